"""The admin and the API's documentation in Chromium, under their Content-Security-Policy.

Each page must arrive with its policy and still work under it: no violation reported (as a
`securitypolicyviolation` event or a console error), nothing asked of another host, the admin's
login and its product pages with their photos, Swagger UI drawing the API's operations.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.cspViolations.push(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} (${where})`);
});
"""


class Watched:
    """One tab's console errors, uncaught errors and requests to other hosts."""

    def __init__(self, page, origin: str):
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

        def only_this_server(route):
            if route.request.url.startswith(origin):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_this_server)
        page.add_init_script(RECORD_VIOLATIONS)

    def open(self, url: str) -> str:
        """Open `url`; return its Content-Security-Policy."""
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy")
        assert policy, f"{url} has no Content-Security-Policy"
        return policy

    def assert_clean(self) -> None:
        assert self.page.evaluate("window.cspViolations") == []
        assert self.errors == []
        assert self.outside == []


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Watched(page, live_server.url)
    context.close()


def test_the_admin_logs_in_and_shows_the_photos_under_its_policy(tab, live_server):
    staff = UserFactory(is_staff=True, is_superuser=True)
    product = ProductFactory(title="Brooklyn Bridge")

    policy = tab.open(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    tab.page.get_by_label("Email").fill(staff.email)
    tab.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.page.get_by_role("button", name="Log in").click()
    expect(tab.page.get_by_role("heading", name="Site administration")).to_be_visible()
    tab.assert_clean()

    tab.open(f"{live_server.url}/admin/catalog/product/")
    thumbnail = tab.page.locator("#result_list img").first
    expect(thumbnail).to_be_visible()
    # Sized by its style attribute (height:48px), which the policy allows by hash.
    assert thumbnail.evaluate("img => img.getBoundingClientRect().height") == 48
    tab.assert_clean()

    tab.open(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
    expect(tab.page.locator("input[name=title]")).to_have_value("Brooklyn Bridge")
    preview = tab.page.locator(".field-preview_tag img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.getBoundingClientRect().width") <= 480
    tab.assert_clean()


def test_swagger_ui_draws_the_operations_under_its_policy(tab, live_server):
    policy = tab.open(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy

    expect(tab.page.locator(".opblock-summary-path", has_text="/api/product/").first).to_be_visible()
    assert tab.page.locator(".opblock").count() > 10
    # An operation opens, with its answers drawn from the schema.
    tab.page.locator(".opblock-summary", has_text="/api/health/").first.click()
    expect(tab.page.locator(".opblock.is-open .responses-table").first).to_be_visible()
    tab.assert_clean()
