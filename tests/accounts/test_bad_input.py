"""Input no database, cache or log can hold answers a 400 in the endpoint's own shape, never a 500."""

import json

import pytest

from accounts.models import User

LOGIN = "/api/api-token-auth/"
SIGNUP = "/api/signup/"
ORDERS = "/api/order/"
FAILURE = {"detail": "authorization failure", "non_field_errors": ["authorization failure"], "code": "login_failed"}
SURROGATE_ERROR = "The request body contains an invalid character (a lone UTF-16 surrogate escape)."
SIGNUP_BODY = {"first_name": "foo", "last_name": "bar", "email": "foobar@qmail.com", "password": "a long passphrase"}

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict, **extra):
    # json.dumps escapes the surrogate as "\ud800", as an attacker's client sends it.
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize(
    "body",
    [
        {"username": "\ud800@x.com", "password": "x"},
        {"username": "victim@example.com", "password": "pass\udfff"},
        {"username": "victim@example.com", "password": "x", "\udc00": 1},
        {"username": "victim@example.com", "password": "x", "extra": [{"deep": "\ud800"}]},
    ],
)
def test_login_with_a_lone_surrogate_is_the_usual_400(api_client, body):
    response = _post(api_client, LOGIN, body)

    assert response.status_code == 400
    assert response.json() == FAILURE


@pytest.mark.parametrize("field", ["email", "first_name", "password"])
def test_signup_with_a_lone_surrogate_is_400_with_a_sentence(api_client, field):
    response = _post(api_client, SIGNUP, {**SIGNUP_BODY, field: "\ud800" + SIGNUP_BODY[field]})

    assert response.status_code == 400
    assert response.json() == {"success": False, "error": SURROGATE_ERROR, "code": "parse_error"}
    assert not User.objects.exists()


def test_a_surrogate_pair_is_a_real_character_and_welcome(api_client):
    response = _post(api_client, SIGNUP, {**SIGNUP_BODY, "first_name": "Ada \ud83d\udcf7"})

    assert response.status_code == 201
    assert User.objects.get().first_name == "Ada \U0001f4f7"


def test_purchase_with_a_lone_surrogate_is_400(auth_client):
    response = _post(auth_client, ORDERS, {"token": "tok_\ud800", "product": 1})

    assert response.status_code == 400
    assert response.json()["error"] == SURROGATE_ERROR


def test_repeated_lone_surrogate_logins_are_throttled_not_500(api_client, settings):
    # The body is no JSON the view reads (it logs nobody in), so it counts against the address, not an
    # account: the account limit counts what the view reads (tests/accounts/test_throttle_charsets.py).
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min", "login_account": "100/min"}

    statuses = [_post(api_client, LOGIN, {"username": "\ud800@x.com", "password": "x"}).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
