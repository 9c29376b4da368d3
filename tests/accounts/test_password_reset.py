"""Password reset: a one-time, time-limited link mailed through a real SMTP server (aiosmtpd), then a new password."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

RESET = "/api/password-reset/"
CONFIRM = "/api/password-reset/confirm/"
LOGIN = "/api/api-token-auth/"
ORDERS = "/api/order/"
NEW_PASSWORD = "a brand new passphrase"

pytestmark = pytest.mark.django_db


def reset_link(mail) -> dict:
    """The uid and token of the link in a reset mail."""
    body = mail.get_payload(decode=True).decode()
    [url] = re.findall(r"https?://\S+#/reset\?\S+", body)
    return {key: value for key, [value] in parse_qs(urlsplit(url).fragment.split("?", 1)[1]).items()}


def ask_reset(api_client, email: str):
    return api_client.post(RESET, {"email": email}, format="json")


def test_a_reset_request_mails_a_link_to_the_site(api_client, user, smtp_server, settings):
    settings.SHOP_URL = "https://shop.example.com/"

    response = ask_reset(api_client, user.email.upper())

    assert response.status_code == 202
    assert response.json() == {"success": True}
    [mail] = smtp_server.messages
    assert mail["To"] == user.email
    assert mail["Subject"] == "Reset your FrameSeller password"
    body = mail.get_payload(decode=True).decode()
    assert "https://shop.example.com/#/reset?uid=" in body
    assert "1 hour" in body
    assert set(reset_link(mail)) == {"uid", "token"}


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive@example.com"])
def test_a_reset_request_for_no_active_account_answers_the_same_and_mails_nothing(api_client, smtp_server, email):
    UserFactory(email="inactive@example.com", is_active=False)

    response = ask_reset(api_client, email)

    assert response.status_code == 202
    assert response.json() == {"success": True}
    assert smtp_server.messages == []


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "not an email"}, {"email": ["a@b.c"]}])
def test_a_reset_request_without_an_email_is_400(api_client, smtp_server, body):
    response = api_client.post(RESET, body, format="json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"].startswith("Email:")


def test_the_link_sets_a_new_password_and_ends_earlier_login_tokens(api_client, user, token, smtp_server, client_for):
    ask_reset(api_client, user.email)
    link = reset_link(smtp_server.messages[0])

    response = api_client.post(CONFIRM, {**link, "password": NEW_PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True}
    for password, expected in ((DEFAULT_PASSWORD, 400), (NEW_PASSWORD, 200)):
        login = api_client.post(LOGIN, {"username": user.email, "password": password}, format="json")
        assert login.status_code == expected
    old = api_client.get(ORDERS, HTTP_AUTHORIZATION=f"JWT {token}")
    assert old.status_code == 403


def test_a_link_works_once(api_client, user, smtp_server):
    ask_reset(api_client, user.email)
    link = reset_link(smtp_server.messages[0])
    api_client.post(CONFIRM, {**link, "password": NEW_PASSWORD}, format="json")

    again = api_client.post(CONFIRM, {**link, "password": "yet another passphrase"}, format="json")

    assert again.status_code == 400
    assert again.json() == {
        "success": False,
        "error": "This password reset link is invalid, used or expired. Please ask for a new one.",
        "code": "password_reset_refused",
    }
    assert User.objects.get().check_password(NEW_PASSWORD)


def test_using_a_link_ends_the_links_mailed_before(api_client, user, smtp_server):
    ask_reset(api_client, user.email)
    time.sleep(1.1)  # a link names the second it was made
    ask_reset(api_client, user.email)
    first, second = (reset_link(mail) for mail in smtp_server.messages)
    assert first != second

    assert api_client.post(CONFIRM, {**second, "password": NEW_PASSWORD}, format="json").status_code == 200
    assert api_client.post(CONFIRM, {**first, "password": "yet another passphrase"}, format="json").status_code == 400


def test_an_expired_link_is_refused(api_client, user, smtp_server, settings):
    ask_reset(api_client, user.email)
    link = reset_link(smtp_server.messages[0])
    settings.PASSWORD_RESET_TIMEOUT = 1
    time.sleep(2.1)

    response = api_client.post(CONFIRM, {**link, "password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert "expired" in response.json()["error"]
    assert User.objects.get().check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "change",
    [
        {"token": "cx1abc-0123456789abcdef0123456789abcdef"},
        {"uid": "MTIzNDU2"},  # another id (123456)
        {"uid": "%%%"},
        {"uid": "🙂"},
        {"token": ""},
    ],
)
def test_a_wrong_link_is_400(api_client, user, smtp_server, change):
    ask_reset(api_client, user.email)
    link = reset_link(smtp_server.messages[0])

    response = api_client.post(CONFIRM, {**link, **change, "password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]
    assert User.objects.get().check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_a_password_the_validators_reject_is_400_and_the_link_still_works(api_client, user, smtp_server, password):
    ask_reset(api_client, user.email)
    link = reset_link(smtp_server.messages[0])

    refused = api_client.post(CONFIRM, {**link, "password": password}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["password"]
    assert refused.json()["error"] == " ".join(refused.json()["errors"]["password"])
    assert api_client.post(CONFIRM, {**link, "password": NEW_PASSWORD}, format="json").status_code == 200


@pytest.mark.parametrize("missing", ["uid", "token", "password"])
def test_a_confirmation_missing_a_field_is_400(api_client, missing):
    body = {"uid": "MQ", "token": "abc", "password": NEW_PASSWORD}
    del body[missing]

    response = api_client.post(CONFIRM, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == f"{missing.capitalize()}: This field is required."


def test_reset_requests_are_throttled_per_email(api_client, user, smtp_server, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset_account": "2/min"}
    cache.clear()

    answers = [ask_reset(api_client, user.email).status_code for _ in range(3)]

    assert answers == [202, 202, 429]
    assert len(smtp_server.messages) == 2
    throttled = ask_reset(api_client, user.email)
    assert throttled.json()["error"] == "Too many attempts. Please wait a minute and try again."
    assert "Retry-After" in throttled


def test_confirmations_are_throttled_per_address(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset_ip": "2/min"}
    cache.clear()
    body = {"uid": "MQ", "token": "abc", "password": NEW_PASSWORD}

    answers = [api_client.post(CONFIRM, body, format="json").status_code for _ in range(3)]

    assert answers == [400, 400, 429]
