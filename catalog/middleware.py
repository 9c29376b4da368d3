"""Let a staff member's photo upload in the admin through the API's request body limit."""

import re
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.http import JsonResponse

from frameseller.exceptions import STATUS_CODES, error_body
from frameseller.middleware import RequestBodyLimitMiddleware

# The admin's pages that take a photo upload: add a product, change one, the multi-upload's one photo a request.
PHOTO_UPLOAD_PATH = re.compile(r"/admin/catalog/product/(add|[0-9]+/change|upload/photo)/")


def _is_staff_session(request) -> bool:
    """Whether the request's session cookie names the live session of an active staff member.

    Read before the session and authentication middleware run, and before the body is: a cookie
    merely named like the session, or a shopper's session, must not raise the body limit.
    """
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # django.contrib.auth's own check: the user behind the session, with its password's hash.
    user = get_user(SimpleNamespace(session=session))
    return user.is_active and user.is_staff


class PhotoUploadBodyLimitMiddleware(RequestBodyLimitMiddleware):
    """The body limit, raised to PHOTOS_MAX_UPLOAD_BYTES (plus the form) for a staff member's photo upload.

    The session is looked up only for a POST to an upload page whose body is over the normal limit.
    """

    def __call__(self, request):
        if request.method == "POST" and PHOTO_UPLOAD_PATH.fullmatch(request.path_info):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            normal = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if normal is not None and length > normal and _is_staff_session(request):
                limit = settings.PHOTOS_MAX_UPLOAD_BYTES + normal
                if length > limit:
                    body = error_body(f"Request body too large (limit {limit} bytes).", STATUS_CODES[413])
                    return JsonResponse(body, status=413)
                return self.get_response(request)
        return super().__call__(request)
