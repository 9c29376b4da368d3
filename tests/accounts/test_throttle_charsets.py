"""The per-account limits count the email the view reads, whatever charset the body declares.

A throttle that decoded the raw body as UTF-8 counted nobody for a body sent as
`application/json; charset=latin-1` (or UTF-16), while the view, honouring the charset, read it
and logged in: unlimited guesses at one account from many addresses.
"""

import json

import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

LOGIN = "/api/api-token-auth/"
RESET = "/api/password-reset/"

pytestmark = pytest.mark.django_db

CHARSETS = ["latin-1", "utf-16", "utf-8"]


def _post(path: str, body: dict, charset: str, address: str):
    # A character outside ASCII makes the body's bytes differ from UTF-8 in latin-1 (and UTF-16).
    payload = json.dumps({**body, "note": "café"}, ensure_ascii=False).encode(charset)
    content_type = f"application/json; charset={charset}"
    return APIClient().post(path, payload, content_type=content_type, REMOTE_ADDR=address)


@pytest.mark.parametrize("charset", CHARSETS)
def test_wrong_passwords_in_any_charset_count_against_the_account(settings, user, charset):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1000/min", "login_account": "5/min"}
    guesses = [
        _post(LOGIN, {"username": user.email, "password": f"guess {n} é"}, charset, f"10.1.0.{n}").status_code
        for n in range(8)
    ]
    right = _post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD}, charset, "10.1.1.1")

    assert guesses == [400] * 5 + [429] * 3
    assert right.status_code == 429


@pytest.mark.parametrize("charset", CHARSETS)
def test_the_right_password_in_any_charset_logs_in(user, charset):
    response = _post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD}, charset, "10.2.0.1")

    assert response.status_code == 200, response.content
    assert "token" in response.json()


@pytest.mark.parametrize("charset", CHARSETS)
def test_password_resets_in_any_charset_count_against_the_email(settings, user, charset):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset_ip": "1000/min"}
    statuses = [_post(RESET, {"email": user.email}, charset, f"10.3.0.{n}").status_code for n in range(8)]

    assert statuses.count(429) == 5, statuses
