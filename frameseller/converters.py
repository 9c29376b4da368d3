"""Path converters for the API's addresses."""

# The largest id accepted in a path: 18 digits, always within a 64-bit primary key.
ID_MAX = 10**18 - 1


class IdConverter:
    """A database id in its one canonical spelling: ASCII digits, no sign, no leading zero (`01` is not `1`)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
