"""Build the single-page site and write its runtime configuration into its page (``index.html``)."""

import shutil
import subprocess
from pathlib import Path

from frameseller.sitepage import SETTINGS_PLACEHOLDER, page_render, site_settings

__all__ = ["BuildError", "frontend_build", "page_with_settings", "site_settings"]

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
