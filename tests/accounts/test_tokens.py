"""A token ends when what it stands for ends: the password it was issued under, or the account."""

import base64
import json
import time

import jwt
import pytest
from django.conf import settings

from accounts.services import user_token_issue
from accounts.tokens import token_password_stamp
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/api-token-auth/"
REFRESH = "/api/api-token-refresh/"
ORDERS = "/api/order/"
CATALOG = "/api/product/"
REFUSED = {"detail": "Token is invalid or expired.", "code": "token_refused"}

pytestmark = pytest.mark.django_db


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _orders(api_client, token: str):
    return api_client.get(ORDERS, HTTP_AUTHORIZATION=f"JWT {token}")


def _refresh(api_client, token: str):
    return api_client.post(REFRESH, {"token": token}, format="json")


def _signed(claims: dict) -> str:
    now = int(time.time())
    base = {"token_type": "sliding", "exp": now + 600, "iat": now, "refresh_exp": now + 3600, "jti": "j" * 32}
    return jwt.encode({**base, **claims}, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


def test_token_carries_the_first_deployments_claims_and_a_password_stamp(user):
    claims = _payload(user_token_issue(user=user))

    assert claims["user_id"] == user.pk and type(claims["user_id"]) is int
    assert (claims["email"], claims["first_name"], claims["last_name"]) == (user.email, "Ada", "Lovelace")
    assert claims["exp"] > time.time()
    assert claims["pwd"] == token_password_stamp(user)
    # The stamp is an HMAC under the server's secret: nothing of the password or its hash shows.
    assert claims["pwd"] not in user.password and len(claims["pwd"]) == 16


def test_password_change_ends_every_earlier_token(api_client, user):
    before = user_token_issue(user=user)

    user.set_password("a brand new passphrase")
    user.save()

    assert _orders(api_client, before).status_code == 403
    assert _refresh(api_client, before).json() == REFUSED
    assert _refresh(api_client, before).status_code == 403
    after = api_client.post(LOGIN, {"username": user.email, "password": "a brand new passphrase"}, format="json")
    assert _orders(api_client, after.json()["token"]).status_code == 200


def test_password_set_in_the_admin_ends_the_shoppers_tokens(api_client, admin_client, user):
    before = user_token_issue(user=user)

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "an admin chosen passphrase", "password2": "an admin chosen passphrase"},
    )

    assert response.status_code == 302
    assert _orders(api_client, before).status_code == 403
    assert _refresh(api_client, before).status_code == 403


def test_same_password_set_again_still_ends_earlier_tokens(api_client, user):
    # A reset to the same password re-salts the hash: the stamp changes all the same.
    before = user_token_issue(user=user)

    user.set_password(DEFAULT_PASSWORD)
    user.save()

    assert _orders(api_client, before).status_code == 403


def test_deactivation_ends_every_token(api_client, user):
    token = user_token_issue(user=user)

    user.is_active = False
    user.save()

    assert _orders(api_client, token).status_code == 403
    assert _refresh(api_client, token).status_code == 403
    assert _refresh(api_client, token).json() == REFUSED


def test_deleted_users_token_is_refused_and_cannot_be_refreshed(api_client, user):
    token = user_token_issue(user=user)

    user.delete()

    assert _orders(api_client, token).status_code == 403
    assert _refresh(api_client, token).status_code == 403


def test_other_users_password_change_leaves_a_token_alone(api_client, user):
    token = user_token_issue(user=user)
    other = UserFactory()

    other.set_password("another new passphrase")
    other.save()

    assert _orders(api_client, token).status_code == 200
    assert _refresh(api_client, token).status_code == 200


def test_refreshed_token_still_carries_the_stamp_and_ends_with_the_password(api_client, user):
    renewed = _refresh(api_client, user_token_issue(user=user)).json()["token"]

    assert _payload(renewed)["pwd"] == token_password_stamp(user)
    user.set_password("a brand new passphrase")
    user.save()
    assert _orders(api_client, renewed).status_code == 403


def test_token_without_a_password_stamp_is_refused(api_client, user):
    # Tokens issued before stamps existed, or signed by another program with the same key.
    token = _signed({"user_id": user.pk})

    assert _orders(api_client, token).status_code == 403
    assert _refresh(api_client, token).json() == REFUSED


@pytest.mark.parametrize("user_id", ["1", "abc", "\u0661", 1.0, True, None, [1], {"id": 1}, 2**70, -1])
def test_signed_token_with_a_user_id_that_is_no_integer_id_is_403_not_500(api_client, user, user_id):
    token = _signed({"user_id": user_id, "pwd": token_password_stamp(user)})

    protected = _orders(api_client, token)
    refreshed = _refresh(api_client, token)
    public = api_client.get(CATALOG, HTTP_AUTHORIZATION=f"JWT {token}")

    assert protected.status_code == 403
    assert protected.json()["detail"] == "Your login token is invalid or has expired. Please log in again."
    assert (refreshed.status_code, refreshed.json()) == (403, REFUSED)
    assert public.status_code == 200  # the catalog ignores a bad token


def test_an_expired_token_opens_nothing_but_is_renewed_within_its_refresh_window(api_client, user):
    # A shopper away longer than the token's lifetime (a laptop asleep) keeps their login until the window closes.
    now = int(time.time())
    token = _signed({"user_id": user.pk, "pwd": token_password_stamp(user), "exp": now - 1, "iat": now - 3600})

    assert _orders(api_client, token).status_code == 403
    renewed = _refresh(api_client, token)
    assert renewed.status_code == 200, renewed.content
    assert _orders(api_client, renewed.json()["token"]).status_code == 200


def test_an_expired_token_is_not_renewed_once_the_password_changed(api_client, user):
    now = int(time.time())
    token = _signed({"user_id": user.pk, "pwd": token_password_stamp(user), "exp": now - 1, "iat": now - 3600})
    user.set_password("an0ther-Passw0rd")
    user.save()

    assert _refresh(api_client, token).json() == REFUSED


def test_an_expired_token_with_a_forged_signature_is_not_renewed(api_client, user):
    now = int(time.time())
    claims = {"user_id": user.pk, "pwd": token_password_stamp(user), "exp": now - 1, "iat": now - 3600}
    forged = jwt.encode(
        {"token_type": "sliding", "refresh_exp": now + 3600, "jti": "j" * 32, **claims}, "not the key", "HS256"
    )

    assert _refresh(api_client, forged).json() == REFUSED


def test_token_past_its_refresh_window_cannot_be_refreshed(api_client, user):
    token = _signed({"user_id": user.pk, "pwd": token_password_stamp(user), "refresh_exp": int(time.time()) - 1})

    assert _orders(api_client, token).status_code == 200
    assert _refresh(api_client, token).json() == REFUSED


@pytest.mark.parametrize("token", ["ñ.ñ.ñ", "a.b.c", "e30.e30.", "x" * 5000, "Ｊ" * 10])
def test_refresh_of_something_that_is_no_token_is_403(api_client, token):
    response = _refresh(api_client, token)

    assert (response.status_code, response.json()) == (403, REFUSED)
