"""Build the single-page site and write its runtime configuration into its page (``index.html``)."""

import html
import shutil
import subprocess
from pathlib import Path

from django.utils.csp import build_policy

from frameseller.sitepage import (
    SETTINGS_PLACEHOLDER,
    page_inline_script_hashes,
    page_render,
    site_policy_for,
    site_settings,
)

__all__ = ["BuildError", "frontend_build", "page_with_policy", "page_with_settings", "site_settings"]

ROOT = Path(__file__).resolve().parent.parent
FRONTEND_DIR = ROOT / "frontend"
DEFAULT_DIST = FRONTEND_DIR / "dist"
DEFAULT_STRIPE_JS_URL = "https://js.stripe.com/v3/"


class BuildError(Exception):
    """The site could not be built."""


def frontend_build(*, frontend_dir: Path = FRONTEND_DIR) -> Path:
    """Run ``npm ci`` (when node_modules is missing or stale) and ``npm run build``; return dist/."""
    if not (frontend_dir / "package.json").is_file():
        raise BuildError(f"{frontend_dir / 'package.json'} not found: nothing to build (use --dist DIR --skip-build).")
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed to build the site; install Node.js or pass --dist DIR --skip-build.")
    modules, lock = frontend_dir / "node_modules", frontend_dir / "package-lock.json"
    if not modules.is_dir() or (lock.is_file() and lock.stat().st_mtime > modules.stat().st_mtime):
        _run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend_dir)
    _run([npm, "run", "build"], cwd=frontend_dir)
    dist = frontend_dir / "dist"
    if not (dist / "index.html").is_file():
        raise BuildError(f"the build did not produce {dist / 'index.html'}.")
    return dist


def _run(command: list[str], *, cwd: Path) -> None:
    print(f"$ cd {cwd} && npm {' '.join(command[1:])}", flush=True)
    try:
        subprocess.run(command, cwd=cwd, check=True)
    except subprocess.CalledProcessError as error:
        raise BuildError(f"`{' '.join(command)}` failed with exit status {error.returncode}.") from error


def page_with_settings(page: bytes, values: dict) -> bytes:
    """Return the built ``index.html`` with `values` (``site_settings()``) written into its settings element.

    The build leaves null there; the settings go in as data (never run, so no Content-Security-Policy
    hash to keep), for the page to read before any request. The development server writes them the
    same way (frameseller/sitepage.py).
    """
    if page.count(SETTINGS_PLACEHOLDER.encode()) != 1:
        raise BuildError("index.html has no settings element to write into: rebuild the site (npm run build).")
    return page_render(page.decode("utf-8"), values).encode("utf-8")


# Directives a <meta> policy cannot carry (browsers ignore them there): the distribution's managed
# SecurityHeadersPolicy sends X-Frame-Options: DENY instead of frame-ancestors.
_HEADER_ONLY_DIRECTIVES = ("frame-ancestors", "report-uri", "sandbox")


def page_with_policy(page: bytes, *, api_base_url: str, stripe_js_url: str, photos_url: str | None = None) -> bytes:
    """Return the page with its Content-Security-Policy in a <meta> element, at the top of its <head>.

    The policy the API's server sends with the page (frameseller/csp.py), for the page served by S3
    behind CloudFront: its own files and inline scripts (by hash), Stripe.js and Stripe's API (or the
    emulator's origin), the API, and the photos' origin when they come from another one.
    """
    policy = site_policy_for(
        inline=page_inline_script_hashes(page),
        stripe_js_url=stripe_js_url,
        stripe_api_url=stripe_js_url if "js.stripe.com" not in stripe_js_url else "",
        api_url=api_base_url,
        photos_origin=_origin_of(photos_url),
    )
    for directive in _HEADER_ONLY_DIRECTIVES:
        policy.pop(directive, None)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(build_policy(policy))}">'
    # After the charset (the first thing the parser must meet) and before any script or style.
    for marker in (b'<meta charset="utf-8">', b"<head>", b"</title>", b"<!doctype html>"):
        found = page.lower().find(marker.lower())
        if found >= 0:
            at = found + len(marker)
            return page[:at] + meta.encode() + page[at:]
    return meta.encode() + page


def _origin_of(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
