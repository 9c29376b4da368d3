"""Content-Security-Policy: the site's page may load exactly what it uses; API answers nothing at all.

Django's own middleware sends the header; this one chooses the policy per answer, from the
current settings:

* the site's page (HTML served at /): its own files, its inline catalog prefetch (by hash),
  Stripe.js and the Stripe (or emulator) origin, the API's origin, the photos' origin;
* the admin's pages: its own files (scripts and styles, no inline script), the photos, and the
  two style attributes the product admin sizes its pictures with (by hash);
* the API's documentation (Swagger UI): its files from the sidecar package, its start-up script
  as a file too (SpectacularSwaggerSplitView), its one inline style by hash;
* API answers: `default-src 'none'` (JSON is never a document to run).
"""

import functools
import re
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template.loader import get_template
from django.utils.csp import CSP
from drf_spectacular.views import SpectacularSwaggerSplitView

from frameseller.sitepage import page_inline_script_hashes, sha256_source, site_policy_for, url_origin

# The entry of settings.STORAGES that holds the public photos (thumbnails and previews).
PUBLIC_PHOTOS_STORAGE = "photo_derivatives"
API_POLICY = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.NONE]}
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
# The style attributes of the product admin's photo columns (catalog/admin.py), allowed by hash.
ADMIN_STYLE_ATTRIBUTES = ("height:48px", "max-width:480px;max-height:320px")


@functools.lru_cache(maxsize=8)
def _inline_script_hashes(index: Path, mtime: float) -> tuple[str, ...]:
    """The SHA-256 sources of the inline scripts in the built index.html."""
    return page_inline_script_hashes(index.read_bytes())


@functools.cache
def _docs_style_hashes() -> tuple[str, ...]:
    """The SHA-256 sources of the inline styles of Swagger UI's page, as drf-spectacular's template has them."""
    source = get_template(SpectacularSwaggerSplitView.template_name).template.source
    return tuple(sha256_source(style.encode()) for style in _INLINE_STYLE.findall(source))


def _photos_origin() -> str | None:
    """The origin the public photos are served from, as their storage builds their URLs (None: this one)."""
    return url_origin(storages[PUBLIC_PHOTOS_STORAGE].url("x.jpg"))


def _static_origin() -> str | None:
    """The origin of the static files (the admin's, Swagger UI's) if another server serves them (None: this one)."""
    return url_origin(settings.STATIC_URL)


def site_policy() -> dict:
    """The policy of the site's page, from the current settings."""
    index = Path(settings.FRONTEND_DIST_DIR) / "index.html"
    return site_policy_for(
        inline=_inline_script_hashes(index, index.stat().st_mtime) if index.is_file() else (),
        stripe_js_url=settings.STRIPE_JS_URL,
        stripe_api_url=settings.STRIPE_API_BASE,
        api_url=settings.FRONTEND_API_BASE_URL,
        photos_origin=_photos_origin(),
    )


def admin_policy() -> dict:
    """The policy of the admin's pages: Django's scripts and styles are files, none inline."""
    static = list(filter(None, [_static_origin()]))
    styles = [sha256_source(style.encode()) for style in ADMIN_STYLE_ATTRIBUTES]
    return {
        "default-src": [CSP.NONE],
        "script-src": [CSP.SELF, *static],
        "style-src": [CSP.SELF, *static, CSP.UNSAFE_HASHES, *styles],
        "img-src": [CSP.SELF, *static, *filter(None, [_photos_origin()])],
        "connect-src": [CSP.SELF],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }


def docs_policy() -> dict:
    """The policy of the API's documentation: Swagger UI from this server, asking this server's schema and API."""
    static = list(filter(None, [_static_origin()]))
    return {
        "default-src": [CSP.NONE],
        "script-src": [CSP.SELF, *static],
        "style-src": [CSP.SELF, *static, *_docs_style_hashes()],
        # swagger-ui.css draws a few icons from data: URLs.
        "img-src": [CSP.SELF, *static, "data:"],
        "connect-src": [CSP.SELF],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }


def page_policy(path: str) -> dict:
    """The policy of the HTML page at `path`."""
    if path.startswith("/admin/"):
        return admin_policy()
    if path.startswith("/api/docs/"):
        return docs_policy()
    return site_policy()


class SiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request, response):
        if not hasattr(response, "_csp_config"):
            is_page = response.get("Content-Type", "").startswith("text/html")
            response._csp_config = page_policy(request.path_info) if is_page else API_POLICY
        return super().process_response(request, response)
