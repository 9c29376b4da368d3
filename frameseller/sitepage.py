"""The site's page in development: the built index.html with the runtime settings written in.

The build leaves ``null`` in the page's settings element; whoever serves the page writes the
settings there (the deploy tool for S3, see deploy/frontend.py; this middleware in development),
so that the page's catalog request needs no other file first.  WhiteNoise serves the rest of the
built site.
"""

import json
import re
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse

SETTINGS_PLACEHOLDER = '<script type="application/json" id="frameseller-config">null</script>'
PAGE_PATHS = ("/", "/index.html")
# Paths that are never the site's page, even when nothing answers them: the API (JSON, always), the
# admin, and files (the photos, the built assets).
NOT_PAGES = ("/api/", "/admin/", "/media/", "/static/", "/assets/")
# The built page points at its assets relatively ("assets/app-….js"): from another path they are
# written from the root.
_RELATIVE_ASSETS = re.compile(r'(\b(?:href|src)=")assets/')
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


def _is_page_request(request) -> bool:
    """A browser asking for a page (not a script, an image or a JSON client)."""
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get("Accept", "")


class SitePageMiddleware:
    """Answer / and /index.html with the built page and this server's settings (SERVE_FRONTEND).

    A browser asking for an address that nothing answers (outside /api/ and the files) gets the
    site's page too, which shows its "Page not found" view, with a way back to the photos, instead
    of a JSON 404 (the JSON errors answer every other client, and the API always).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _page(self, *, from_root: bool = False):
        index = Path(settings.FRONTEND_DIST_DIR) / "index.html"
        if not index.is_file():
            return None
        values = site_settings(
            api_base_url=settings.FRONTEND_API_BASE_URL,
            stripe_publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            stripe_js_url=settings.STRIPE_JS_URL,
        )
        page = page_render(index.read_text(encoding="utf-8"), values)
        if from_root:
            page = _RELATIVE_ASSETS.sub(r"\1/assets/", page)
        response = HttpResponse(page, content_type="text/html; charset=utf-8")
        # Revalidated on every visit, so a new build shows at once.
        response["Cache-Control"] = "no-cache"
        return response

    def __call__(self, request):
        if not settings.SERVE_FRONTEND:
            return self.get_response(request)
        if request.method in ("GET", "HEAD") and request.path_info in PAGE_PATHS:
            page = self._page()
            if page is not None:
                return page
        response = self.get_response(request)
        if response.status_code == 404 and _is_page_request(request) and not request.path_info.startswith(NOT_PAGES):
            page = self._page(from_root=True)
            if page is not None:
                # The page says "not found"; search engines are told not to keep it.
                page["X-Robots-Tag"] = "noindex"
                return page
        return response
