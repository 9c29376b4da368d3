"""Fixtures for the end-to-end tests: Debian's Chromium, driven by Playwright, against a live server.

Photos in the catalog point at the internet, which the tests must not depend on: every request
to another host is intercepted.  Photo requests get a small local SVG picture (so the pages and
the screenshots look like a shop), Stripe.js comes from the local emulator, and anything else is
aborted and recorded as an unexpected third-party request.

Console errors fail the test that produced them.  Chromium logs every answer with an error status
as "Failed to load resource: the server responded with a status of 4xx", even for a fetch the page
handles; a test that provokes such an answer on purpose (a declined card, a rejected signup)
declares it with ``browser_console.allow(status, path)`` and only that exact message is ignored.
A request to the site's API that a test makes fail on purpose (a lost connection) is declared
with ``browser_console.allow_network_error(path)``.
"""

import hashlib
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import ProductFactory, photo_bytes

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Fixtures read this at teardown to keep a screenshot of a failed test.
    setattr(item, f"rep_{report.when}", report)
    return report


def _unavailable(reason: str):
    """Skip on a developer's machine; under CI a missing prerequisite is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the end-to-end tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not path:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The built site in frontend/dist/ (built here when `make` has not done it)."""
    index = FRONTEND / "dist" / "index.html"
    if not index.exists():
        npm = shutil.which("npm")
        if not npm:
            _unavailable("frontend/dist/ is not built and npm is not installed")
        if not (FRONTEND / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
        subprocess.run([npm, "run", "--silent", "build"], cwd=FRONTEND, check=True)
    return index.parent


@pytest.fixture(scope="module")
def browser(chromium_executable):
    """Chromium for one test module.

    Playwright's sync API keeps an asyncio loop current in this thread, which Django takes for an
    async context and refuses database calls in.  The database work here is the test's own, in plain
    sync code, so the check is lifted for as long as the browser runs, and restored after.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(built_site, live_server, stripe_emulator, transactional_db):
    """The shop's base URL: the live server (serving frontend/dist/) talking to the emulator."""
    return live_server.url + "/"


def photo_svg(url: str) -> str:
    """A stand-in photo for `url`: a gradient whose colours come from the URL."""
    digest = hashlib.sha256(url.encode()).hexdigest()
    hue = int(digest[:4], 16) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 600 400">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},60%,65%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 50) % 360},55%,35%)"/></linearGradient></defs>'
        '<rect width="600" height="400" fill="url(#g)"/>'
        '<path d="M0 320 L150 200 L260 290 L380 170 L600 330 L600 400 L0 400 Z" fill="rgba(0,0,0,.25)"/>'
        '<circle cx="470" cy="110" r="40" fill="rgba(255,255,255,.6)"/></svg>'
    )


class BrowserConsole:
    """Console errors, uncaught page errors and unexpected third-party requests of one page."""

    def __init__(self, site_origin: str, stripe_origin: str):
        self.site_origin = site_origin
        self.stripe_origin = stripe_origin
        self.errors: list[str] = []
        self.third_party: list[str] = []
        self.allowed: list[tuple[int, str]] = []
        self.network_errors: list[str] = []
        self.photo_urls: set[str] = set()
        self.allow_failed_photos = False

    def allow(self, status: int, path: str) -> None:
        """Expect the site's own API to answer `path` (a string, or a compiled pattern) with `status`.

        Chromium logs such an answer as an error.
        """
        self.allowed.append((status, path))

    def allow_network_error(self, path: str) -> None:
        """Expect a request to the site's `path` to fail without an answer (Chromium logs net::ERR_FAILED)."""
        self.network_errors.append(path)

    def _expected(self, message) -> bool:
        text, url = message.text, message.location.get("url", "")
        if text.startswith("Failed to load resource: the server responded with a status of "):
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            return origin == self.site_origin and any(
                text.startswith(f"Failed to load resource: the server responded with a status of {status} ")
                and (parts.path == path if isinstance(path, str) else path.fullmatch(parts.path))
                for status, path in self.allowed
            )
        if text == "Failed to load resource: net::ERR_FAILED":
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" == self.site_origin and parts.path in self.network_errors:
                return True
            return self.allow_failed_photos and url in self.photo_urls
        return False

    def on_console(self, message) -> None:
        if message.type == "error" and not self._expected(message):
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def browser_console(site, stripe_emulator):
    return BrowserConsole(site.rstrip("/"), stripe_emulator.url)


def watch(page, browser_console: BrowserConsole) -> None:
    """Serve `page` its photos locally, refuse other third parties, and record its console errors."""
    page.set_default_timeout(15_000)
    page.on("console", browser_console.on_console)
    page.on("pageerror", browser_console.on_page_error)

    def route_outside(route):
        request_ = route.request
        url = request_.url
        if url.startswith(browser_console.site_origin) or url.startswith(browser_console.stripe_origin):
            route.continue_()
        elif request_.resource_type == "image":
            browser_console.photo_urls.add(url)
            if browser_console.allow_failed_photos:
                route.abort()
            else:
                route.fulfill(status=200, content_type="image/svg+xml", body=photo_svg(url))
        else:
            browser_console.third_party.append(url)
            route.abort()

    page.route("**/*", route_outside)


@pytest.fixture
def page(request, browser, site, browser_console):
    """A fresh browser tab (own storage), photos served locally, console watched."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC")
    page = context.new_page()
    watch(page, browser_console)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    if failed is not None and failed.passed:
        assert browser_console.errors == [], "console errors in the browser"
        assert browser_console.third_party == [], "requests to third parties other than Stripe.js and photos"


@pytest.fixture
def another_tab(page, browser_console):
    """Open a second tab next to `page`: same browser context, so the same localStorage."""

    def open_tab():
        tab = page.context.new_page()
        watch(tab, browser_console)
        return tab

    return open_tab


@pytest.fixture
def photos(transactional_db):
    """A small catalog of real photo files (gradients, as large as the shop sells), one portrait, served by the shop."""
    rows = [
        ("Brooklyn Bridge", "The Brooklyn Bridge at dusk", "100", (1800, 1200)),
        ("Golden Gate Bridge", "Golden Gate Bridge from the Marin Headlands", "120", (1200, 1800)),
        ("Mount Fuji", "Mount Fuji in winter", "135.50", (1600, 1200)),
        ("Colosseum", "The Colosseum in Rome", "89.99", (3200, 2400)),
    ]
    return [
        ProductFactory(
            title=title,
            description=description,
            price=Decimal(price),
            credit="Ada Photographer",
            license="CC0 1.0 (public domain dedication)",
            photo=photo_bytes(*size),
        )
        for title, description, price, size in rows
    ]
