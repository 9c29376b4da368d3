"""Build the single-page site and write its runtime configuration into its page (``index.html``)."""

import json
import shutil
import subprocess
from pathlib import Path

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


# The build leaves null in the page's settings element; the settings are written there, as data
# (never run, so no Content-Security-Policy hash to keep), for the page to read before any request.
SETTINGS_PLACEHOLDER = b'<script type="application/json" id="frameseller-config">null</script>'
# As Django's json_script: nothing in the JSON can close the element or start markup.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_settings(
    *, api_base_url: str, stripe_publishable_key: str, stripe_js_url: str = DEFAULT_STRIPE_JS_URL
) -> dict:
    """Return the values the site reads at run time."""
    return {
        "apiBaseUrl": api_base_url,
        "stripePublishableKey": stripe_publishable_key,
        "stripeJsUrl": stripe_js_url,
    }


def page_with_settings(page: bytes, values: dict) -> bytes:
    """Return the built ``index.html`` with `values` written into its settings element."""
    if page.count(SETTINGS_PLACEHOLDER) != 1:
        raise BuildError("index.html has no settings element to write into: rebuild the site (npm run build).")
    data = json.dumps(values).translate(_JSON_ESCAPES).encode()
    return page.replace(SETTINGS_PLACEHOLDER, SETTINGS_PLACEHOLDER.replace(b">null<", b">" + data + b"<"))
