"""The shopper's session in a real Chromium: renewed before it expires, dropped when refused, the same in every tab."""

import re
import time

import jwt
import pytest
from playwright.sync_api import expect

from tests.e2e.pages import expect_logged_in, log_in, open_site
from tests.e2e.tokens import forge_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

A_WEEK = 7 * 24 * 3600


def stored_token(page) -> str | None:
    return page.evaluate("() => localStorage.getItem('frameseller.token')")


def store_token(page, token: str) -> None:
    page.evaluate("token => localStorage.setItem('frameseller.token', token)", token)


def expect_logged_out(page) -> None:
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    expect(page.locator("#greeting")).to_have_text("")


def wait_for_new_token(page, old: str, timeout: float = 10_000) -> dict:
    """Wait until the stored token is another one than `old`; return its payload."""
    page.wait_for_function(
        "old => { const t = localStorage.getItem('frameseller.token'); return Boolean(t) && t !== old; }",
        arg=old,
        timeout=timeout,
    )
    return jwt.decode(stored_token(page), options={"verify_signature": False})


def test_returning_visitor_with_an_expired_token_sees_the_catalog(page, site, photos, user):
    """An hour after the token expired: the public catalog, logged out, no login wall, the token gone."""
    open_site(page, site)
    store_token(page, forge_token(user, expires_in=-3600))
    catalog_requests = []
    page.on("request", lambda request: "/api/product/" in request.url and catalog_requests.append(request))
    page.reload()

    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    expect(page).to_have_url(re.compile(r"#/catalog$"))
    expect_logged_out(page)
    expect(page.locator("#flash")).to_be_empty()
    assert stored_token(page) is None
    # The public catalog never carries a token (API.md: a stale one is ignored anyway).
    assert catalog_requests
    assert all("authorization" not in request.headers for request in catalog_requests)


def test_a_token_about_to_expire_is_renewed_at_once(page, site, photos, user):
    open_site(page, site)
    token = forge_token(user, expires_in=90, refresh_in=A_WEEK)
    store_token(page, token)
    page.reload()

    renewed = wait_for_new_token(page, token)
    assert renewed["user_id"] == user.pk
    assert renewed["exp"] >= time.time() + 50 * 60
    expect_logged_in(page, user.first_name)
    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()


def test_an_active_shoppers_token_is_renewed_before_it_expires(page, site, photos, user):
    """The page stays open: the renewal happens on its own, before the token's last minutes."""
    page.clock.install()
    open_site(page, site)
    token = forge_token(user, expires_in=10 * 60, refresh_in=A_WEEK)
    store_token(page, token)
    page.reload()
    expect_logged_in(page, user.first_name)
    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    assert stored_token(page) == token  # ten minutes left: not renewed yet

    page.clock.fast_forward("07:00")  # three minutes left
    renewed = wait_for_new_token(page, token)
    assert renewed["exp"] >= time.time() + 50 * 60

    page.clock.fast_forward("05:00")  # the first token has expired by now; the shopper goes on
    expect_logged_in(page, user.first_name)
    page.get_by_role("link", name="My orders").click()
    expect(page).to_have_url(re.compile(r"#/orders$"))
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()


def test_a_token_the_api_refuses_to_renew_is_dropped(page, site, photos, user, browser_console):
    browser_console.allow(403, "/api/api-token-refresh/")
    browser_console.allow(403, "/api/order/")  # the catalog asks which photos the shopper owns
    open_site(page, site)
    refused = forge_token(user, expires_in=90, refresh_in=A_WEEK, key="not-the-key-this-server-signs-its-tokens-with")
    store_token(page, refused)
    page.reload()

    expect_logged_out(page)
    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    assert stored_token(page) is None


def test_logging_in_and_out_in_one_tab_shows_in_the_other(page, another_tab, site, photos, user):
    open_site(page, site, "login")
    other = another_tab()
    open_site(other, site)
    expect(other.locator(".catalog-grid > li")).to_have_count(4)
    expect_logged_out(other)

    log_in(page, user.email)
    expect_logged_in(page, user.first_name)
    expect_logged_in(other, user.first_name)

    other.get_by_role("link", name="My orders").click()
    expect(other.get_by_text("You have no orders yet.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect_logged_out(page)
    # The other tab forgets the shopper too, and leaves their orders.
    expect_logged_out(other)
    expect(other).to_have_url(re.compile(r"#/login$"))
    expect(other.get_by_text("You have no orders yet.")).to_have_count(0)


def test_deleting_the_token_logs_the_header_out(page, site, photos, user):
    open_site(page, site, "login")
    log_in(page, user.email)
    expect_logged_in(page, user.first_name)

    page.evaluate("() => localStorage.removeItem('frameseller.token')")
    expect_logged_out(page)
