"""Fast JSON answers for the hot read paths: rows straight from the database, encoded by orjson.

DRF's serializers build a model instance and walk every field for each row; the
list endpoints instead select the columns they answer with (`values_list`) and
encode plain dicts. tests check that both give the same JSON.
"""

import orjson
from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer

_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def json_bytes(data) -> bytes:
    """Encode like DRF's JSONRenderer (compact, UTF-8, U+2028/U+2029 escaped for JavaScript), only faster."""
    body = orjson.dumps(data, option=orjson.OPT_UTC_Z)
    for raw, escaped in _LINE_SEPARATORS:
        if raw in body:
            body = body.replace(raw, escaped)
    return body


def utc_text_json(text: str) -> str:
    """Return a UTC time as the database's text gives it ("2026-11-26 10:37:50.121871") as DRF's
    DateTimeField writes it ("2026-11-26T10:37:50.121871Z"; no fraction when it is zero)."""
    if text.endswith(".000000"):  # MariaDB's DATETIME(6) always has six digits; isoformat() drops zeros
        text = text[:-7]
    return f"{text[:10]}T{text[11:]}Z"


def json_response(data, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    return HttpResponse(json_bytes(data), status=status, content_type="application/json", headers=headers)


class ORJSONRenderer(BaseRenderer):
    """DRF's JSON renderer, encoded by orjson."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return b"" if data is None else json_bytes(data)
