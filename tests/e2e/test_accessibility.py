"""axe-core (from npm, frontend/node_modules) on every view: no WCAG 2.2 A/AA violation, on a desktop and a phone.

My orders with failed attempts and the order detail are checked in test_trust.py.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import FRONTEND, _unavailable
from tests.e2e.pages import buy_button, expect_logged_in, log_in, open_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page, context: str = "document") -> list[str]:
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the DevTools protocol, not as a <script> the page's CSP would refuse.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    results = page.evaluate(
        f"tags => axe.run({context}, {{ runOnly: {{ type: 'tag', values: tags }}, resultTypes: ['violations'] }})",
        WCAG_22_AA,
    )
    assert results["passes"], "axe-core ran no rule"
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}: "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"]
        )
        for violation in results["violations"]
    ]


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_no_wcag_22_aa_violations_on_any_view(page, site, photos, user, viewport):
    if not AXE.exists():
        _unavailable("axe-core is not installed (cd frontend && npm ci)")
    page.set_viewport_size(viewport)
    found = {}

    open_site(page, site)
    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    found["catalog"] = axe_violations(page)

    open_site(page, site, "signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_role("button", name="Sign up").click()  # with its error messages shown
    found["signup"] = axe_violations(page)

    open_site(page, site, "login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    found["login"] = axe_violations(page)
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)

    buy_button(page, "Mount Fuji").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#card-field input").first).to_be_focused()
    found["checkout"] = axe_violations(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()
    found["orders"] = axe_violations(page)

    assert {view: problems for view, problems in found.items() if problems} == {}
