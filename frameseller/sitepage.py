"""The site's page in development: the built index.html with the runtime settings written in.

The build leaves ``null`` in the page's settings element; whoever serves the page writes the
settings there (the deploy tool for S3, see deploy/frontend.py; this middleware in development),
so that the page's catalog request needs no other file first.  WhiteNoise serves the rest of the
built site.
"""

import json
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse

SETTINGS_PLACEHOLDER = '<script type="application/json" id="frameseller-config">null</script>'
PAGE_PATHS = ("/", "/index.html")
# As Django's json_script: nothing in the JSON can close the element or start markup.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_settings() -> dict:
    """The values the site reads at run time, from this server's settings."""
    return {
        "apiBaseUrl": settings.FRONTEND_API_BASE_URL,
        "stripePublishableKey": settings.STRIPE_PUBLISHABLE_KEY,
        "stripeJsUrl": settings.STRIPE_JS_URL,
    }


def page_render(page: str, values: dict) -> str:
    """Return `page` with `values` written into its settings element (a page without one as it is)."""
    data = json.dumps(values).translate(_JSON_ESCAPES)
    return page.replace(SETTINGS_PLACEHOLDER, SETTINGS_PLACEHOLDER.replace(">null<", f">{data}<"), 1)


class SitePageMiddleware:
    """Answer / and /index.html with the built page and this server's settings (SERVE_FRONTEND)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SERVE_FRONTEND and request.method in ("GET", "HEAD") and request.path_info in PAGE_PATHS:
            index = Path(settings.FRONTEND_DIST_DIR) / "index.html"
            if index.is_file():
                page = page_render(index.read_text(encoding="utf-8"), site_settings())
                response = HttpResponse(page, content_type="text/html; charset=utf-8")
                # Revalidated on every visit, so a new build shows at once.
                response["Cache-Control"] = "no-cache"
                return response
        return self.get_response(request)
