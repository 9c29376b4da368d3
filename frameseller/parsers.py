"""The API's only request parser: a JSON object, or a clear 400."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONObjectParser(JSONParser):
    """Parse a JSON object body; anything else (bad JSON, a list, absurd nesting) is a ParseError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError("The request body is not valid JSON.") from None
        except RecursionError:  # nested deeper than the interpreter allows
            raise ParseError("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ParseError("Send a JSON object in the request body.")
        return data
