"""The API's only request parser: a JSON object, or a clear 400."""

import io

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


def request_data_peek(request) -> dict | None:
    """Return the body as the view will read it (its parser, the request's charset), without consuming it.

    For a throttle, which runs before the view and must count what the view reads: DRF's
    `request.data` keeps no parse error for the view once read, so the body is parsed here from its
    bytes with the same parser and context instead. None when the view would find no JSON object.
    """
    parser = request.negotiator.select_parser(request, request.parsers)
    if parser is None:
        return None
    try:
        data = parser.parse(io.BytesIO(request.body), parser.media_type, request.parser_context)
    except (ParseError, ValueError):  # a charset that cannot decode the bytes, too
        return None
    return data if isinstance(data, dict) else None
