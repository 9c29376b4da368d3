"""Content-Security-Policy: the site's page may load exactly what it uses; API answers nothing at all.

Django's own middleware sends the header; this one chooses the policy per answer, from the
current settings:

* the site's page (HTML served at /): its own files, its inline catalog prefetch (by hash),
  Stripe.js and the Stripe (or emulator) origin, the API's origin, the photos' origin;
* API answers: `default-src 'none'` (JSON is never a document to run);
* the admin and the API's documentation pages keep Django's defaults (no policy): their
  templates are not ours.
"""

import base64
import functools
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import storages
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.utils.csp import CSP

STRIPE_JS = "https://js.stripe.com"
STRIPE_FRAMES = "https://hooks.stripe.com"
STRIPE_API = "https://api.stripe.com"
# The entry of settings.STORAGES that holds the public photos (thumbnails and previews).
PUBLIC_PHOTOS_STORAGE = "photo_derivatives"
API_POLICY = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.NONE]}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@functools.lru_cache(maxsize=8)
def _inline_script_hashes(index: Path, mtime: float) -> tuple[str, ...]:
    """The SHA-256 sources of the inline scripts in the built index.html."""
    body = index.read_bytes()
    return tuple(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )


def _photos_origin() -> str | None:
    """The origin the public photos are served from, as their storage builds their URLs (None: this one)."""
    return _origin(storages[PUBLIC_PHOTOS_STORAGE].url("x.jpg"))


def site_policy() -> dict:
    """The policy of the site's page, from the current settings."""
    index = Path(settings.FRONTEND_DIST_DIR) / "index.html"
    inline = _inline_script_hashes(index, index.stat().st_mtime) if index.is_file() else ()
    stripe_js = _origin(settings.STRIPE_JS_URL) or STRIPE_JS
    stripe_api = _origin(settings.STRIPE_API_BASE) or STRIPE_API
    api = _origin(settings.FRONTEND_API_BASE_URL)
    photos = _photos_origin()
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


class SiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request, response):
        path = request.path_info
        if path.startswith(("/admin/", "/api/docs/")):
            return response
        if not hasattr(response, "_csp_config"):
            is_page = response.get("Content-Type", "").startswith("text/html")
            response._csp_config = site_policy() if is_page else API_POLICY
        return super().process_response(request, response)
