"""The shopper's path, polished (issue 25, items 1, 2, 4, 5 and 7): owned means owned everywhere,
3-D Secure by keyboard, the shop's own words and currencies, a site that knows where it is, and the
small things a shopper notices on a phone."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.pages import TEST_CARD, buy_button, expect_logged_in, fill_card, log_in, open_site, pay
from tests.e2e.test_accessibility import AXE, axe_violations
from tests.e2e.test_details import expect_focus_ring
from tests.e2e.tokens import forge_token
from tests.factories import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
THREE_D_SECURE_CARD = "4000002760003184"
A_WEEK = 7 * 24 * 3600


def logged_in(page, site, user) -> None:
    open_site(page, site, "login")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)


def focused_in(page, selector: str) -> bool:
    return page.evaluate("s => Boolean(document.activeElement && document.activeElement.closest(s))", selector)


def owned_button(page, title: str):
    return page.get_by_role("button", name=f"Owned: download {title}")


# --- 1. Owned means owned, everywhere --------------------------------------------------------------


def test_a_photo_just_bought_shows_owned_in_this_tab_and_the_others_at_once(page, another_tab, site, photos, user):
    fuji = photos[2]
    logged_in(page, site, user)
    other = another_tab()
    open_site(other, site, f"photo/{fuji.pk}")
    expect(buy_button(other, "Mount Fuji")).to_be_visible()

    buy_button(page, "Mount Fuji").click()
    fill_card(page, TEST_CARD)
    dialog = pay(page)
    expect(dialog.get_by_text("Thank you! Your photo is paid.")).to_be_visible()
    dialog.get_by_role("button", name="Keep browsing").click()
    expect(dialog).to_be_hidden()

    # This tab's catalog and the other tab's photo page: Owned · Download, no Buy, without a reload.
    expect(owned_button(page, "Mount Fuji")).to_have_text("Owned · Download")
    expect(buy_button(page, "Mount Fuji")).to_have_count(0)
    expect(owned_button(other, "Mount Fuji")).to_be_visible()
    expect(buy_button(other, "Mount Fuji")).to_have_count(0)
    page.get_by_role("heading", name="Mount Fuji").get_by_role("link").click()
    expect(owned_button(page, "Mount Fuji")).to_be_visible()


def test_the_card_form_never_opens_for_a_photo_the_shopper_owns(page, site, photos, user, stripe_emulator):
    logged_in(page, site, user)
    expect(buy_button(page, "Colosseum")).to_be_visible()
    # Bought meanwhile elsewhere (another device): this page still shows Buy.
    order = Order.objects.create(user=user, product=photos[3], price=photos[3].price, currency="usd", status="PAID")

    buy_button(page, "Colosseum").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="You already own this photo.")).to_be_focused()
    expect(dialog.locator("#checkout-form")).to_be_hidden()
    expect(dialog.get_by_role("button", name=re.compile(r"^Pay"))).to_have_count(0)
    expect(dialog.get_by_role("button", name="Download")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(owned_button(page, "Colosseum")).to_be_visible()
    assert Order.objects.count() == 1
    assert Order.objects.get() == order
    assert stripe_emulator.paid_charges() == []


# --- 2. 3-D Secure by keyboard ---------------------------------------------------------------------


@VIEWPORTS
def test_a_three_d_secure_purchase_with_the_keyboard_only(
    page, site, photos, user, browser_console, settings, viewport
):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"
    browser_console.allow(402, re.compile(r"/api/order/\d+/confirm/"))
    page.set_viewport_size(viewport)
    logged_in(page, site, user)
    buy = buy_button(page, "Colosseum")
    buy.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Buy Colosseum")
    number = page.locator("#card-field input[placeholder=number]")
    expect(number).to_be_focused()
    # The emulator's card field moves on to the next input once one is complete.
    for value in (THREE_D_SECURE_CARD, "12", "34", "123", "10001"):
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    expect(dialog.locator("[data-field=pay]")).to_be_focused()
    page.keyboard.press("Enter")

    # The challenge takes focus, keeps it (Tab cycles inside it), and Escape cancels it.
    challenge = page.get_by_role("dialog", name="3-D Secure")
    complete = challenge.get_by_role("button", name="Complete authentication")
    expect(complete).to_be_focused()
    page.keyboard.press("Tab")
    expect(challenge.get_by_role("button", name="Fail authentication")).to_be_focused()
    page.keyboard.press("Tab")
    expect(complete).to_be_focused()
    page.keyboard.press("Escape")
    expect(challenge).to_be_hidden()
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("3-D Secure")
    expect(alert).not_to_contain_text("PaymentMethod")
    # Focus came back to the checkout, on Pay: the shopper tries again.
    expect(dialog.locator("[data-field=pay]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(complete).to_be_focused()
    assert focused_in(page, "[role=dialog]")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("heading", name="Thank you! Your photo is paid.")).to_be_focused()
    assert sorted(Order.objects.values_list("status", flat=True)) == ["FAILED", "PAID"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(owned_button(page, "Colosseum")).to_be_focused()


def test_focus_stays_in_the_dialog_while_paying_and_escape_closes_it(page, site, photos, user):
    logged_in(page, site, user)
    buy_button(page, "Mount Fuji").click()
    expect(page.locator("#card-field input[placeholder=number]")).to_be_focused()  # the dialog is shown
    fill_card(page, TEST_CARD)
    held = []
    page.route(
        re.compile(r".*/api/order/$"),
        lambda route: held.append(route) if route.request.method == "POST" else route.fallback(),
    )
    pay_button = page.get_by_role("dialog").locator("[data-field=pay]")
    pay_button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(pay_button).to_have_text("Paying…")
    expect(pay_button).to_be_disabled()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    # While the payment is in flight, focus stays on Pay, in the dialog; Escape closes it.
    expect(pay_button).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(buy_button(page, "Mount Fuji")).to_be_focused()
    held[0].continue_()
    expect(page.locator("#payment-outcomes [data-payment-outcome=success]")).to_contain_text("Mount Fuji")


# --- 4. The shop's own words; currencies and tax ------------------------------------------------------


def test_paying_offline_says_so_in_the_shop_s_words(page, site, photos, user, browser_console):
    browser_console.allow_network_error("/api/order/")
    logged_in(page, site, user)
    buy_button(page, "Mount Fuji").click()
    fill_card(page, TEST_CARD)
    page.context.set_offline(True)
    dialog = pay(page)
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("connection")
    expect(alert).not_to_contain_text("Failed to fetch")
    expect(alert).to_contain_text("Nothing was charged")
    page.context.set_offline(False)
    # Chromium logs the request that could not go out; that is this test's point.
    browser_console.errors[:] = [e for e in browser_console.errors if "ERR_INTERNET_DISCONNECTED" not in e]


@VIEWPORTS
def test_prices_show_their_currency_and_say_no_tax_is_added(page, site, photos, user, viewport):
    ProductFactory(title="Eiffel Tower", description="Paris at night", price="35.50", currency="eur")
    page.set_viewport_size(viewport)
    logged_in(page, site, user)
    cards = page.locator(".catalog-grid > li")
    expect(cards.filter(has_text="Brooklyn Bridge").locator(".price")).to_have_text("$100.00 USD")
    expect(cards.filter(has_text="Eiffel Tower").locator(".price")).to_have_text("€35.50 EUR")
    buy_button(page, "Golden Gate Bridge").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("[data-field=price]")).to_have_text("$120.00 USD")
    expect(dialog).to_contain_text("no tax or fees are added")
    expect(dialog.locator("[data-field=pay]")).to_have_text("Pay $120.00 USD")
    expect(page.locator("#card-field input").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("heading", name="Eiffel Tower").get_by_role("link").click()
    expect(page.locator("[data-fact=price]")).to_have_text("€35.50 EUR")
    expect(page.locator(".price-note")).to_contain_text("no tax or fees are added")


# --- 5. A site that knows where it is ---------------------------------------------------------------


def test_every_view_has_its_own_title(page, site, photos, user):
    gate = photos[1]
    open_site(page, site)
    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    expect(page).to_have_title("Photos for sale · FrameSeller")
    open_site(page, site, f"photo/{gate.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Golden Gate Bridge")
    expect(page).to_have_title("Golden Gate Bridge · FrameSeller")
    open_site(page, site, "signup")
    expect(page).to_have_title("Create your account · FrameSeller")
    open_site(page, site, "reset")
    expect(page).to_have_title("Reset your password · FrameSeller")
    open_site(page, site, "login")
    expect(page).to_have_title("Log in · FrameSeller")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)
    open_site(page, site, "orders")
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()
    expect(page).to_have_title("My orders · FrameSeller")


@VIEWPORTS
def test_an_unknown_address_or_route_shows_a_not_found_page_with_a_way_back(page, site, photos, viewport):
    page.set_viewport_size(viewport)
    api = page.request.get(f"{site}api/no-such-endpoint/")
    assert api.status == 404
    assert api.headers["content-type"].startswith("application/json")

    page.goto(f"{site}no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title("Page not found · FrameSeller")
    if AXE.exists():
        assert axe_violations(page) == []
    page.get_by_role("link", name="Go to the photos").click()
    expect(page.locator(".catalog-grid > li")).to_have_count(4)

    open_site(page, site, "no-such-route")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_url(re.compile(r"#/no-such-route$"))
    page.get_by_role("link", name="Go to the photos").click()
    expect(page).to_have_url(re.compile(r"#/catalog$"))
    expect(page.locator(".catalog-grid > li")).to_have_count(4)


@VIEWPORTS
def test_scroll_positions_follow_the_shopper(page, site, photos, viewport):
    page.set_viewport_size(viewport)
    for n in range(8):
        ProductFactory(title=f"Harbour {n}", description=f"Boats, view {n}", price="20")
    open_site(page, site)
    cards = page.locator(".catalog-grid > li")
    expect(cards).to_have_count(12)
    link = page.get_by_role("heading", name="Harbour 6").get_by_role("link")
    link.scroll_into_view_if_needed()
    page.mouse.wheel(0, 120)
    page.wait_for_function("() => window.scrollY > 400")
    # The wheel scrolls smoothly: read where the page came to rest, not a point on the way.
    page.wait_for_function(
        """() => new Promise((done) => {
            const y = window.scrollY;
            setTimeout(() => done(window.scrollY === y), 150);
        })"""
    )
    before = page.evaluate("() => window.scrollY")
    link.click()

    # The photo page opens at its top, "← All photos" in view.
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour 6")
    expect(page.get_by_role("link", name="← All photos")).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") == 0

    # Back: where the shopper was in the catalog.
    page.go_back()
    expect(cards).to_have_count(12)
    page.wait_for_function("y => Math.abs(window.scrollY - y) <= 2", arg=before)

    # Buy while logged out: the login page with its banner in sight.
    buy_button(page, "Harbour 6").click()
    expect(page).to_have_url(re.compile(r"#/login$"))
    banner = page.locator("#flash").get_by_text("Log in or sign up to buy “Harbour 6”.")
    expect(banner).to_be_in_viewport(ratio=1)
    assert page.evaluate("() => window.scrollY") == 0


# --- 7. Small ones ---------------------------------------------------------------------------------


@VIEWPORTS
def test_my_orders_fit_a_phone(page, site, photos, user, viewport):
    page.set_viewport_size(viewport)
    Order.objects.create(user=user, product=photos[0], price=photos[0].price, currency="usd", status="PAID")
    logged_in(page, site, user)
    page.get_by_role("link", name="My orders").click()
    item = page.locator(".orders-purchases > li").first
    download = item.get_by_role("button", name="Download")
    expect(download).to_be_visible()
    box, card = download.bounding_box(), item.bounding_box()
    assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"], (box, card)
    line = item.locator("time").evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    for part in (item.locator("time"), item.locator(".price")):
        assert part.evaluate("e => e.getClientRects().length") == 1
        assert part.bounding_box()["height"] < line * 1.5


def test_search_finds_the_credit_and_says_one_photo_matches(page, site, photos):
    ProductFactory(title="Earthrise", description="The Earth seen from the Moon", credit="NASA", price="10")
    open_site(page, site)
    expect(page.locator(".catalog-grid > li")).to_have_count(5)
    page.get_by_label("Search").fill("NASA")
    page.get_by_label("Search").press("Enter")
    expect(page.locator(".catalog-grid > li")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="1 photo matches “NASA”.")).to_be_visible()


@VIEWPORTS
def test_the_sort_menu_has_the_same_focus_ring_as_the_fields(page, site, photos, viewport):
    page.set_viewport_size(viewport)
    open_site(page, site)
    page.get_by_label("Search").focus()
    page.keyboard.press("Tab")
    expect_focus_ring(page.get_by_label("Sort by"))
    field_ring = page.get_by_label("Search").evaluate("e => (e.focus(), getComputedStyle(e).outlineColor)")
    sort_ring = page.get_by_label("Sort by").evaluate("e => (e.focus(), getComputedStyle(e).outlineColor)")
    assert sort_ring == field_ring


def test_the_password_hint_says_it_cannot_resemble_the_name_or_email(page, site):
    open_site(page, site, "signup")
    expect(page.locator("#signup-password-help")).to_contain_text("your name or email")


def test_a_used_reset_link_is_told_as_the_page_opens(page, site, user, browser_console):
    from accounts.password_reset import password_reset_url

    browser_console.allow(400, "/api/password-reset/check/")
    link = password_reset_url(user)
    query = link.split("#/reset?", 1)[1]
    user.set_password("a changed passphrase")
    user.save()
    open_site(page, site, f"reset?{query}")
    expect(page.get_by_role("alert")).to_contain_text("invalid, used or expired")
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Ask for a new one")).to_be_visible()


def test_a_shopper_back_after_the_token_expired_is_renewed_within_the_refresh_window(page, site, photos, user):
    open_site(page, site)
    token = forge_token(user, expires_in=-600, refresh_in=A_WEEK)
    page.evaluate("token => localStorage.setItem('frameseller.token', token)", token)
    page.reload()
    expect_logged_in(page, user.first_name)
    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()
