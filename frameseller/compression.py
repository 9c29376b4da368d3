"""Compress text answers (JSON, HTML, JavaScript) for clients that accept gzip; never files or photos."""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("application/json", "text/", "application/javascript")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH length randomisation), limited to text answers."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
