"""Keyset pages for the list endpoints: `?limit=N` and an opaque `cursor`, with a `Link: rel="next"` header.

Without `limit`, the whole list answers, as the 2017 clients expect. A cursor
names the last row of the page before (its sort key), so a page stays stable
while rows are added.
"""

import base64
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

MAX_LIMIT = 200
_CANONICAL_INT = re.compile(r"^[1-9][0-9]{0,3}$")


LIST_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        OpenApiParameter.QUERY,
        required=False,
        description=f"Answer one page of at most this many items (1 to {MAX_LIMIT}); without it, the whole list.",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        OpenApiParameter.QUERY,
        required=False,
        description='Opaque: where the next page starts. Use the URL of the `Link: <…>; rel="next"` header.',
    ),
]


@dataclass(frozen=True)
class PageRequest:
    limit: int | None
    after: list | None  # the sort key of the last row already sent


def page_request(query_params) -> PageRequest:
    """Read `limit` and `cursor`; a bad one is a 400 with a sentence."""
    raw_limit = query_params.get("limit")
    raw_cursor = query_params.get("cursor")
    if raw_limit is None:
        if raw_cursor is not None:
            raise ValidationError("A cursor needs a limit: send the next page's address as the Link header gave it.")
        return PageRequest(limit=None, after=None)
    if not _CANONICAL_INT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise ValidationError(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    after = None
    if raw_cursor is not None:
        try:
            after = json.loads(base64.urlsafe_b64decode(raw_cursor.encode("ascii") + b"=="))
        except ValueError:
            after = None
        if not isinstance(after, list) or not after:
            raise ValidationError("cursor is not one this API gave: start again from the first page.")
    return PageRequest(limit=int(raw_limit), after=after)


def cursor_for(sort_key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_key, separators=(",", ":")).encode()).rstrip(b"=").decode()


def next_link(request, page: PageRequest, sort_key: list) -> str:
    """The `Link` header value pointing at the page after the one whose last row has `sort_key`."""
    query = {**request.query_params.dict(), "limit": page.limit, "cursor": cursor_for(sort_key)}
    return f'<{request.build_absolute_uri(request.path)}?{urlencode(query)}>; rel="next"'
