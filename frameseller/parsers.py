"""The API's only request parser: a JSON object, or a clear 400."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _has_lone_surrogate(data) -> bool:
    """Tell whether any string in parsed JSON (keys included) holds a lone UTF-16 surrogate (`"\\ud800"`)."""
    pending = [data]
    while pending:  # a loop, not recursion: the document may nest as deep as the parser allowed
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class JSONObjectParser(JSONParser):
    """Parse a JSON object body; anything else (bad JSON, a list, absurd nesting) is a ParseError.

    JSON may spell a lone UTF-16 surrogate (`"\\ud800"`), which is no character at all: no database,
    cache or log can store it, so such a body is refused here, before anything tries.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError("The request body is not valid JSON.") from None
        except RecursionError:  # nested deeper than the interpreter allows
            raise ParseError("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ParseError("Send a JSON object in the request body.")
        if _has_lone_surrogate(data):
            raise ParseError("The request body contains an invalid character (a lone UTF-16 surrogate escape).")
        return data
