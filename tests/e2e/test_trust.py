"""The shop a shopper trusts, in Chromium: no second payment by accident, password reset by mail,
My orders with each order's detail, search and sort in the address."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.pages import (
    DECLINED_CARD,
    TEST_CARD,
    buy_button,
    expect_logged_in,
    fill_card,
    log_in,
    open_site,
    pay,
    stop_stripe_after_its_token,
)
from tests.e2e.test_accessibility import AXE, axe_violations
from tests.factories import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def logged_in(page, site, user) -> None:
    open_site(page, site, "login")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)


def hold_order_posts(page) -> list:
    """Hold every POST to /api/order/ in the browser until the test lets it go: `[(route, key), …]`."""
    held = []

    def on_order(route):
        if route.request.method != "POST":
            route.fallback()
            return
        held.append((route, route.request.headers.get("idempotency-key", "")))

    page.route(re.compile(r".*/api/order/$"), on_order)
    return held


def wait_for(page, condition) -> None:
    for _ in range(300):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the browser never sent it")


# --- 2. A second payment by accident ------------------------------------------------------------


@VIEWPORTS
def test_closing_the_checkout_while_paying_offers_no_second_pay_and_shows_the_outcome(
    page, site, photos, user, stripe_emulator, viewport
):
    page.set_viewport_size(viewport)
    logged_in(page, site, user)
    buy_button(page, "Mount Fuji").click()
    fill_card(page, TEST_CARD)
    held = hold_order_posts(page)
    dialog = pay(page)
    wait_for(page, lambda: held)

    # The shopper gives up waiting and closes the dialog, then opens it again: no Pay on offer.
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    buy_button(page, "Mount Fuji").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("status").filter(has_text="Your payment is in progress.")).to_be_visible()
    expect(dialog.get_by_role("button", name=re.compile(r"^Pay"))).to_have_count(0)
    expect(dialog.get_by_role("heading", name="Your payment is in progress.")).to_be_focused()
    page.locator("#checkout-form").evaluate("form => form.requestSubmit()")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Another page view of the shop, then the answer arrives: it shows, with the dialog closed.
    page.get_by_role("link", name="Photos").click()
    route, _key = held[0]
    route.continue_()
    outcome = page.locator("#payment-outcomes [data-payment-outcome=success]")
    expect(outcome).to_contain_text("Mount Fuji")
    expect(outcome).to_contain_text("Your payment went through")
    expect(outcome.get_by_role("button", name="Download")).to_be_visible()
    expect(dialog).to_be_hidden()
    assert len(held) == 1
    assert Order.objects.get().status == "PAID"
    assert len(stripe_emulator.paid_charges()) == 1

    # Reopened once paid: the server's "you already own this photo" rule, Download instead.
    page.reload()
    owned = page.locator(".catalog-grid > li").filter(has_text="Mount Fuji")
    expect(owned.get_by_role("button", name="Owned: download Mount Fuji")).to_be_visible()


def test_buying_a_photo_bought_meanwhile_elsewhere_offers_its_download_and_charges_nothing(
    page, site, photos, user, stripe_emulator, browser_console
):
    """The API refuses with 409 and the code `already_owned`: the site reads the code, never the sentence.

    Bought on another device once the card form is open (a tab of this browser would have told this one).
    """
    browser_console.allow(409, "/api/order/")
    logged_in(page, site, user)
    buy_button(page, "Mount Fuji").click()
    fill_card(page, TEST_CARD)
    fuji = photos[2]
    Order.objects.create(user=user, product=fuji, price=fuji.price, currency="usd", status="PAID")

    with page.expect_response(lambda r: r.url.endswith("/api/order/") and r.request.method == "POST") as answer:
        dialog = pay(page)
    assert answer.value.status == 409
    body = answer.value.json()
    assert body["code"] == "already_owned"
    owned = dialog.locator("[data-field=owned]")
    expect(owned.get_by_role("heading", name="You already own this photo.")).to_be_focused()
    expect(owned.get_by_role("button", name="Download")).to_be_visible()
    expect(dialog.get_by_role("button", name=re.compile(r"^Pay"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Owned: download Mount Fuji")).to_be_focused()
    assert Order.objects.count() == 1
    assert stripe_emulator.paid_charges() == []


@pytest.mark.parametrize("lost", ["request", "answer"])
def test_reloading_while_paying_learns_the_outcome_of_the_same_payment_without_charging_twice(
    page, site, photos, user, stripe_emulator, browser_console, lost
):
    """The page reloads while its payment is in flight: before the request reached the server, or after."""
    browser_console.allow_network_error("/api/order/")
    logged_in(page, site, user)
    buy_button(page, "Colosseum").click()
    fill_card(page, TEST_CARD)
    keys, held = [], []

    def on_order(route):
        if route.request.method != "POST":
            route.fallback()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1 and lost == "answer":
            route.fetch()  # the server charges; the page goes away before the answer comes
        held.append(route)

    page.route(re.compile(r".*/api/order/$"), on_order)
    pay(page)
    wait_for(page, lambda: held)
    assert len(stripe_emulator.paid_charges()) == (1 if lost == "answer" else 0)

    page.reload()
    wait_for(page, lambda: len(held) == 2)
    dialog = page.get_by_role("dialog")
    if lost == "request":
        # While the page asks again, the photo's checkout shows the payment in progress, without Pay.
        buy_button(page, "Colosseum").click()
        expect(dialog.get_by_role("heading", name="Your payment is in progress.")).to_be_focused()
        expect(dialog.get_by_role("button", name=re.compile(r"^Pay"))).to_have_count(0)
    held[1].continue_()

    # The same payment (same key, same card token): paid, once.
    if lost == "request":
        expect(dialog.get_by_text("Thank you! Your photo is paid.")).to_be_visible()
    else:
        expect(page.locator("#payment-outcomes [data-payment-outcome=success]")).to_contain_text("Colosseum")
    assert keys[0] == keys[1]
    assert len(stripe_emulator.paid_charges()) == 1
    assert Order.objects.get().status == "PAID"


def test_a_payment_the_server_is_confirming_stays_in_progress_until_settled(
    page, site, photos, user, stripe_emulator, browser_console
):
    browser_console.allow(503, "/api/order/")
    logged_in(page, site, user)
    buy_button(page, "Golden Gate Bridge").click()
    fill_card(page, TEST_CARD)

    stop_stripe_after_its_token(page, stripe_emulator)
    dialog = pay(page)
    expect(dialog.locator("[data-field=pending]")).to_be_visible(timeout=30_000)
    stripe_emulator.start()

    page.reload()
    buy_button(page, "Golden Gate Bridge").click()
    pending = dialog.locator("[data-field=pending]")
    expect(pending).to_be_visible()
    expect(pending.get_by_role("heading", name="We couldn't confirm your payment yet.")).to_be_focused()
    expect(dialog.get_by_role("button", name=re.compile(r"^Pay"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Reconciliation settles it (here: the order found paid); the page tells the shopper.
    from orders.settlement import order_mark_paid

    order_mark_paid(order=Order.objects.get(), charge_id="ch_e2e_settled")
    outcome = page.locator("#payment-outcomes [data-payment-outcome=success]")
    expect(outcome).to_contain_text("Golden Gate Bridge", timeout=15_000)


# --- 4. Password reset ----------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_with_the_mailed_link(page, site, user, smtp_server, settings, browser_console):
    browser_console.allow(400, "/api/password-reset/confirm/")
    browser_console.allow(400, "/api/password-reset/check/")
    settings.SHOP_URL = site
    open_site(page, site, "login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"#/reset$"))
    page.get_by_label("Email").fill(user.email.upper())
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status").filter(has_text="a link to reset its password is on its way")).to_be_visible()

    [mail] = smtp_server.messages
    [link] = re.findall(r"http://\S+#/reset\?\S+", mail.get_payload(decode=True).decode())
    assert link.startswith(site)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("passw0rd")
    page.get_by_label("Repeat the new password").fill("passw0rd")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-password-error")).to_contain_text("too common")

    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Repeat the new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(re.compile(r"#/login$"))
    expect(page.locator("#flash")).to_contain_text("Your password is changed.")
    log_in(page, user.email, "a brand new passphrase")
    expect_logged_in(page, user.first_name)

    # The link worked once: opened again, it says so at once, before any password is typed.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("invalid, used or expired")
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)


# --- 5. My orders and the order detail ------------------------------------------------------------


@VIEWPORTS
def test_my_orders_separates_failed_attempts_and_opens_each_order_s_detail(
    page, site, photos, user, browser_console, viewport
):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (cd frontend && npm ci)")
    browser_console.allow(402, "/api/order/")
    page.set_viewport_size(viewport)
    logged_in(page, site, user)
    buy_button(page, "Brooklyn Bridge").click()
    fill_card(page, DECLINED_CARD)
    dialog = pay(page)
    expect(dialog.get_by_role("alert")).to_have_text("Your card was declined.")
    fill_card(page, TEST_CARD)
    pay(page)
    expect(dialog.get_by_text("Thank you! Your photo is paid.")).to_be_visible()
    paid = Order.objects.get(status="PAID")
    failed = Order.objects.get(status="FAILED")

    dialog.get_by_role("link", name="See my orders").click()
    # axe judges the page once the dialog has faded out (half-transparent, its text fails contrast).
    expect(dialog).to_be_hidden()
    purchases = page.get_by_role("region", name="Purchases")
    expect(purchases.locator("[data-order-id]")).to_have_count(1)
    expect(purchases.locator(f"[data-order-id='{paid.pk}']")).to_contain_text("Paid")
    attempts = page.locator("details.orders-failed")
    expect(attempts.locator("summary")).to_contain_text("Failed payment attempts (1 payment; nothing was charged)")
    expect(attempts.locator(f"[data-order-id='{failed.pk}']")).to_be_hidden()  # collapsed
    assert axe_violations(page) == []
    attempts.locator("summary").click()
    expect(attempts.locator(f"[data-order-id='{failed.pk}']")).to_contain_text("The payment did not go through")
    assert axe_violations(page) == []

    purchases.get_by_role("link", name=f"Brooklyn Bridge, order #{paid.pk}").click()
    expect(page).to_have_url(re.compile(rf"#/orders/{paid.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{paid.pk}: Brooklyn Bridge")
    detail = page.locator(".order-detail")
    expect(detail.get_by_role("img", name="Brooklyn Bridge")).to_be_visible()
    for label, value in [
        ("Order number", f"#{paid.pk}"),
        ("Amount", "$100.00 USD"),
        ("Status", "Paid"),
        ("Paid with", "Visa ending in 4242"),
    ]:
        expect(detail.locator("dt", has_text=label).locator("+ dd")).to_have_text(value)
    expect(detail.locator("dt", has_text="Date").locator("+ dd time")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT.+Z$")
    )
    expect(detail.get_by_role("button", name="Download")).to_be_visible()
    assert axe_violations(page) == []

    page.go_back()
    expect(page).to_have_url(re.compile(r"#/orders$"))
    expect(page.get_by_role("region", name="Purchases")).to_be_visible()


# --- 6. Finding photos ----------------------------------------------------------------------------


@VIEWPORTS
def test_search_and_sort_are_in_the_address_served_by_the_api_and_back_works(page, site, photos, viewport):
    ProductFactory(title="Harbour at dawn", description="Boats in the harbour", price="35.50")
    page.set_viewport_size(viewport)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/api/product/" in request.url else None)
    open_site(page, site)
    cards = page.locator(".catalog-grid > li")
    expect(cards).to_have_count(5)

    page.get_by_label("Search titles, descriptions and credits").fill("bridge")
    page.get_by_label("Search titles, descriptions and credits").press("Enter")
    expect(page).to_have_url(re.compile(r"#/catalog\?q=bridge$"))
    expect(cards).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="2 photos match “bridge”.")).to_be_visible()
    assert any(url.endswith("/api/product/?q=bridge") for url in asked)

    page.get_by_label("Sort by").select_option(label="Price: high to low")
    expect(page).to_have_url(re.compile(r"#/catalog\?q=bridge&ordering=-price$"))
    expect(cards.locator("h2")).to_have_text(["Golden Gate Bridge", "Brooklyn Bridge"])
    assert any(url.endswith("/api/product/?q=bridge&ordering=-price") for url in asked)

    # A shared address opens the same results.
    page.goto(f"{site}#/catalog?ordering=price")
    expect(cards.locator("h2")).to_have_text(
        ["Harbour at dawn", "Colosseum", "Brooklyn Bridge", "Golden Gate Bridge", "Mount Fuji"]
    )
    expect(page.get_by_label("Sort by")).to_have_value("price")

    page.go_back()
    expect(page).to_have_url(re.compile(r"#/catalog\?q=bridge&ordering=-price$"))
    expect(cards).to_have_count(2)
    expect(page.get_by_label("Search titles, descriptions and credits")).to_have_value("bridge")
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/catalog\?q=bridge$"))
    expect(page.get_by_label("Sort by")).to_have_value("")

    page.get_by_label("Search titles, descriptions and credits").fill("volcano")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="No photos match “volcano”.")).to_be_visible()
    expect(cards).to_have_count(0)
    page.get_by_role("link", name="Show all photos").click()
    expect(cards).to_have_count(5)
