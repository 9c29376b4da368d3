"""Middleware that keeps every error answer JSON and every request body small."""

from django.conf import settings
from django.http import JsonResponse
from django.middleware import common

from frameseller.exceptions import OTHER_ERROR, STATUS_CODES, error_body

_GENERIC = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "Not found.",
    405: "Method not allowed.",
    411: "Length required.",
    413: "Request body too large.",
    500: "Internal server error.",
}


class JsonErrorMiddleware:
    """Replace any non-JSON error page (404, 500, DEBUG's technical pages) with JSON.

    The Django admin keeps its HTML pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or request.path.startswith("/admin/"):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        message = _GENERIC.get(response.status_code, "Request failed.")
        if response.status_code == 404 and request.path.startswith("/api/") and not request.path.endswith("/"):
            message = f"Not found. API addresses end with a slash: {request.path}/"
        code = STATUS_CODES.get(response.status_code, OTHER_ERROR)
        replacement = JsonResponse(error_body(message, code), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement


class RequestBodyLimitMiddleware:
    """Refuse bodies above DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before they are read, and bodies of unknown length.

    A chunked body (`Transfer-Encoding: chunked`, no Content-Length) would reach Django as an empty
    one, so the request would be answered as if nothing had been sent: it answers 411 instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH"):
            message = "Send the request body with a Content-Length header; chunked uploads are not accepted."
            return JsonResponse(error_body(message, STATUS_CODES[411]), status=411)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(error_body("Invalid Content-Length header.", STATUS_CODES[400]), status=400)
        if limit is not None and length > limit:
            body = error_body(f"Request body too large (limit {limit} bytes).", STATUS_CODES[413])
            return JsonResponse(body, status=413)
        return self.get_response(request)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, without the slash-appending redirect under /api/: it would drop a POST's body."""

    def should_redirect_with_slash(self, request):
        if request.path_info.startswith("/api/"):
            return False
        return super().should_redirect_with_slash(request)
