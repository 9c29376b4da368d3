"""A token signed with the server's key but with time claims that are no integer seconds is refused, never a 500."""

import pytest

from accounts.tokens import token_password_stamp
from tests.accounts.test_tokens import _orders, _refresh, _signed

pytestmark = pytest.mark.django_db

BAD_TIMES = ["9999999999", 1e20, 10**20, -(10**20), -1e20, float("nan"), 1.5, True, None, [1], {"at": 1}]


@pytest.mark.parametrize("claim", ["exp", "refresh_exp", "iat", "nbf"])
@pytest.mark.parametrize("value", BAD_TIMES, ids=repr)
def test_a_signed_token_whose_time_claim_is_no_integer_second_is_403(api_client, user, claim, value):
    token = _signed({"user_id": user.pk, "pwd": token_password_stamp(user), claim: value})

    protected = _orders(api_client, token)
    refreshed = _refresh(api_client, token)

    assert protected.status_code == 403, protected.content
    assert protected.json()["detail"] == "Your login token is invalid or has expired. Please log in again."
    assert refreshed.status_code == 403, refreshed.content
    assert refreshed.json()["detail"] == "Token is invalid or expired."


def test_a_token_with_integer_times_still_works(api_client, user):
    token = _signed({"user_id": user.pk, "pwd": token_password_stamp(user)})

    assert _orders(api_client, token).status_code == 200
    assert _refresh(api_client, token).status_code == 200
