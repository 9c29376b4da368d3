"""Let the admin's photo upload through the API's request body limit."""

import re

from django.conf import settings
from django.http import JsonResponse

from frameseller.exceptions import STATUS_CODES, error_body
from frameseller.middleware import RequestBodyLimitMiddleware

# The admin's pages that take a photo upload: add a product, change one.
PHOTO_UPLOAD_PATH = re.compile(r"^/admin/catalog/product/(add|\d+/change)/$")


class PhotoUploadBodyLimitMiddleware(RequestBodyLimitMiddleware):
    """The body limit, raised to PHOTOS_MAX_UPLOAD_BYTES (plus the form) for a logged-in admin's upload."""

    def __call__(self, request):
        if request.method == "POST" and PHOTO_UPLOAD_PATH.match(request.path_info):
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = -1
                limit = settings.PHOTOS_MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                if 0 <= length <= limit:
                    return self.get_response(request)
                if length > limit:
                    body = error_body(f"Request body too large (limit {limit} bytes).", STATUS_CODES[413])
                    return JsonResponse(body, status=413)
        return super().__call__(request)
