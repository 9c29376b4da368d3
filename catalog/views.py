"""Serve the public derivatives (thumbnails, previews) when they are local files.

Only the derivatives' storage is reachable here: the originals live in another folder, which
nothing serves (a buyer's download goes through orders.downloads).
"""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from catalog.storage import derivatives_storage


@require_safe
def derivative_serve(request, name: str):
    """Stream a thumbnail or preview; its name changes with its content, so it may be cached for good."""
    storage = derivatives_storage()
    try:
        if not storage.exists(name):
            raise Http404("No such photo.")
        file = storage.open(name, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404("No such photo.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
