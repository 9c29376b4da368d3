"""Steps a shopper takes in the browser, shared by the end-to-end tests."""

import re

from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD

TEST_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


def open_site(page: Page, site: str, route: str = "catalog") -> None:
    page.goto(f"{site}#/{route}")


def log_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def expect_logged_in(page: Page, first_name: str) -> None:
    expect(page.locator("#greeting")).to_have_text(f"Hello, {first_name}")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def buy_button(page: Page, title: str):
    return page.get_by_role("button", name=re.compile(rf"^Buy {re.escape(title)} for "))


def fill_card(page: Page, number: str) -> None:
    """Type a card into the Stripe card field (the emulator's plain inputs).

    The site puts focus in the card field once the dialog's opening transition ends; on a busy
    machine that can land between two of these fills and send the next one into the number
    field, as it would for a person typing before the dialog is shown. So: fill, check, again.
    """
    field = page.locator("#card-field")
    values = {"number": number, "exp_month": "12", "exp_year": "34", "cvc": "123", "postal_code": "10001"}
    for _ in range(3):
        for placeholder, value in values.items():
            field.locator(f"input[placeholder={placeholder}]").fill(value)
        typed = {name: field.locator(f"input[placeholder={name}]").input_value() for name in values}
        if typed == values:
            return
    raise AssertionError(f"the card field holds {typed}, not {values}")


def pay(page: Page):
    dialog = page.get_by_role("dialog")
    pay_button = dialog.locator("[data-field=pay]")
    pay_button.click()
    return dialog


def stop_stripe_after_its_token(page: Page, emulator) -> None:
    """Stripe.js gets its card token; then Stripe goes away before the server can charge it."""

    def token_then_stripe_down(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        emulator.stop()
        route.fulfill(response=response)

    page.route(re.compile(r".*/v1/tokens$"), token_then_stripe_down)
