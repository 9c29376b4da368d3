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


def site_settings(*, api_base_url: str, stripe_publishable_key: str, stripe_js_url: str) -> dict:
    """The values the site reads at run time (src/settings.js), under the names it reads them by."""
    return {"apiBaseUrl": api_base_url, "stripePublishableKey": stripe_publishable_key, "stripeJsUrl": stripe_js_url}


def page_render(page: str, values: dict) -> str:
    """Return `page` with `values` written into its settings element (a page without one as it is).

    Also the deploy tool's, for the page it publishes (deploy/frontend.py).
    """
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
                values = site_settings(
                    api_base_url=settings.FRONTEND_API_BASE_URL,
                    stripe_publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
                    stripe_js_url=settings.STRIPE_JS_URL,
                )
                page = page_render(index.read_text(encoding="utf-8"), values)
                response = HttpResponse(page, content_type="text/html; charset=utf-8")
                # Revalidated on every visit, so a new build shows at once.
                response["Cache-Control"] = "no-cache"
                return response
        return self.get_response(request)
