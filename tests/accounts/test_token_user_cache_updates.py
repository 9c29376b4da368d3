"""Users changed by a queryset update (no save(), no post_save) end what the token user cache keeps of them too.

Runs with whatever cache the leg has (local memory on SQLite, Redis on MariaDB), the keeping switched on.
"""

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User
from accounts.services import user_token_issue
from tests.factories import UserFactory

ORDERS = "/api/order/"
REFRESH = "/api/api-token-refresh/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_users(settings):
    settings.TOKEN_USER_CACHE_SECONDS = 60


def _orders(api_client, token: str) -> int:
    return api_client.get(ORDERS, HTTP_AUTHORIZATION=f"JWT {token}").status_code


def _warm(api_client, user) -> str:
    """A token whose user the cache now keeps."""
    token = user_token_issue(user=user)
    assert _orders(api_client, token) == 200
    assert _orders(api_client, token) == 200
    return token


def test_a_user_deactivated_by_an_update_loses_their_token_at_once(api_client, user):
    token = _warm(api_client, user)

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert _orders(api_client, token) == 403
    assert api_client.post(REFRESH, {"token": token}, format="json").status_code == 403


def test_a_password_set_by_an_update_ends_earlier_tokens_at_once(api_client, user):
    token = _warm(api_client, user)

    User.objects.filter(email=user.email).update(password=make_password("another-Pa55word"))

    assert _orders(api_client, token) == 403


def test_a_bulk_update_ends_what_the_cache_keeps_of_every_user_it_changes(api_client, user):
    other = UserFactory()
    tokens = [_warm(api_client, user), _warm(api_client, other)]
    user.is_active = other.is_active = False

    User.objects.bulk_update([user, other], ["is_active"])

    assert [_orders(api_client, token) for token in tokens] == [403, 403]


def test_an_update_of_other_users_leaves_a_kept_user_alone(api_client, user):
    token = _warm(api_client, user)
    other = UserFactory()

    User.objects.filter(pk=other.pk).update(is_active=False)

    assert _orders(api_client, token) == 200
