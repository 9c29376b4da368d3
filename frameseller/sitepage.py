"""The site's page in development: the built index.html with the runtime settings written in.

The build leaves ``null`` in the page's settings element; whoever serves the page writes the
settings there (the deploy tool for S3, see deploy/frontend.py; this middleware in development),
so that the page's catalog request needs no other file first.  WhiteNoise serves the rest of the
built site.
"""

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils.csp import CSP

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


# --- The page's Content-Security-Policy, wherever it is served from --------------------------------
# (No Django settings here: the deploy tool builds the published page's policy with these too.)

STRIPE_JS = "https://js.stripe.com"
STRIPE_FRAMES = "https://hooks.stripe.com"
STRIPE_API = "https://api.stripe.com"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def sha256_source(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"


def url_origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def page_inline_script_hashes(page: bytes) -> tuple[str, ...]:
    """The SHA-256 sources of a page's inline scripts (not its data elements, which never run)."""
    return tuple(sha256_source(script) for script in _INLINE_SCRIPT.findall(page))


def site_policy_for(
    *, inline: tuple[str, ...], stripe_js_url: str, stripe_api_url: str, api_url: str, photos_origin: str | None
) -> dict:
    """The policy of the site's page, wherever it is served from (this server, or S3 behind CloudFront)."""
    stripe_js = url_origin(stripe_js_url) or STRIPE_JS
    stripe_api = url_origin(stripe_api_url) or STRIPE_API
    api = url_origin(api_url)
    photos = photos_origin
    frames = [stripe_js] + ([STRIPE_FRAMES] if stripe_js == STRIPE_JS else [])
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, stripe_js, *inline],
        "connect-src": [CSP.SELF, stripe_api, *filter(None, [api])],
        "img-src": [CSP.SELF, "data:", *filter(None, [photos])],
        "style-src": [CSP.SELF],
        "frame-src": frames,
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
