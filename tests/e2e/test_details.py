"""Details a shopper notices: focus rings, Pay in view after a decline, signing up while logged in, password errors."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.pages import DECLINED_CARD, buy_button, expect_logged_in, fill_card, log_in, open_site, pay
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# WCAG 2.2 focus appearance: a solid indicator at least 2 CSS px thick whose colour contrasts 3:1
# with what is around it (the field's own background, white here).
FOCUS_RING = """(element) => {
  const style = getComputedStyle(element);
  const channels = (color) => color.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => [r, g, b]
    .map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [r, g, b, a = 1] = channels(style.outlineColor);
  // An outline with transparency is seen blended over white.
  const seen = [r, g, b].map((v) => v * a + 255 * (1 - a));
  return {
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: (Math.max(luminance(seen), luminance([255, 255, 255])) + 0.05) /
              (Math.min(luminance(seen), luminance([255, 255, 255])) + 0.05),
  };
}"""


def expect_focus_ring(locator) -> None:
    expect(locator).to_be_focused()
    ring = locator.evaluate(FOCUS_RING)
    assert ring["style"] not in ("none", "hidden"), ring
    assert ring["width"] >= 2, ring
    assert ring["contrast"] >= 3, ring


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_inputs_show_a_clearly_visible_focus_ring(page, site, user, viewport):
    page.set_viewport_size(viewport)
    open_site(page, site, "login")
    page.get_by_label("Email").focus()
    expect_focus_ring(page.get_by_label("Email"))
    page.keyboard.press("Tab")
    expect_focus_ring(page.get_by_label("Password"))

    open_site(page, site, "signup")
    page.get_by_label("First name").focus()
    for label in ["First name", "Last name", "Email", "Password", "Repeat password"]:
        field = page.get_by_label(label, exact=True)
        if label != "First name":
            page.keyboard.press("Tab")
        expect_focus_ring(field)
    # An invalid field keeps a ring too.
    page.get_by_role("button", name="Sign up").click()
    expect_focus_ring(page.get_by_label("First name"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_after_a_decline_the_message_and_pay_stay_in_view(page, site, photos, user, browser_console, viewport):
    browser_console.allow(402, "/api/order/")
    page.set_viewport_size(viewport)
    open_site(page, site, "login")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)
    buy_button(page, "Colosseum").click()
    fill_card(page, DECLINED_CARD)
    dialog = pay(page)

    expect(dialog.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(dialog.get_by_role("alert")).to_be_in_viewport(ratio=1)
    expect(dialog.locator("[data-field=pay]")).to_be_in_viewport(ratio=1)


def fill_signup(page, *, first_name="Ada", last_name="Lovelace", email="ada@example.com", password=DEFAULT_PASSWORD):
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)


def test_signing_up_while_logged_in_asks_before_switching_accounts(page, site, photos, user):
    open_site(page, site, "login")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)
    open_site(page, site, "signup")
    fill_signup(page)
    page.get_by_role("button", name="Sign up").click()

    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(f"You are logged in as {user.email}")
    expect(question.get_by_role("button", name="Stay logged in")).to_be_focused()
    assert not User.objects.filter(email="ada@example.com").exists()
    question.get_by_role("button", name="Stay logged in").click()
    expect(question).to_be_hidden()
    expect_logged_in(page, user.first_name)
    assert not User.objects.filter(email="ada@example.com").exists()

    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Log out and sign up").click()
    expect_logged_in(page, "Ada")
    assert User.objects.filter(email="ada@example.com").exists()


def test_repeat_password_says_it_is_required_when_empty(page, site):
    open_site(page, site, "signup")
    fill_signup(page)
    page.get_by_label("Repeat password").fill("")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#signup-password2-error")).to_contain_text("required")
    expect(page.get_by_label("Repeat password")).to_be_focused()


def test_a_password_the_server_refuses_is_shown_once_with_focus_on_it(page, site, browser_console):
    browser_console.allow(400, "/api/signup/")
    open_site(page, site, "signup")
    fill_signup(page, password="password")  # 8 characters, but a common password
    page.get_by_role("button", name="Sign up").click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#signup-password-error")).to_contain_text("too common")
    expect(password).to_be_focused()
    expect(page.get_by_text(re.compile("too common"))).to_have_count(1)
