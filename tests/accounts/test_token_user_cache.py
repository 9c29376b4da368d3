"""The token's user kept in the cache: no query for it on a warm request, and nothing kept outlives a change.

Runs with whatever cache the leg has (local memory on SQLite, Redis on MariaDB), the keeping switched on.
"""

import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import SlidingToken

from accounts import tokens
from accounts.models import User
from accounts.services import user_token_issue
from tests.factories import DEFAULT_PASSWORD, UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_users(settings):
    settings.TOKEN_USER_CACHE_SECONDS = 60


def _orders(api_client, token: str):
    return api_client.get(ORDERS, HTTP_AUTHORIZATION=f"JWT {token}")


def _user_queries(api_client, token: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _orders(api_client, token).status_code == 200
    return sum('"accounts_user"' in q["sql"] or "`accounts_user`" in q["sql"] for q in queries)


def test_a_warm_request_does_not_query_its_user(api_client, user):
    token = user_token_issue(user=user)

    assert _user_queries(api_client, token) == 1
    assert _user_queries(api_client, token) == 0


def test_the_kept_user_is_the_user_without_the_password_hash(api_client, user):
    token = user_token_issue(user=user)
    _orders(api_client, token)

    kept = cache.get(tokens._cache_keys(user.pk)[1])
    assert kept is not None
    assert user.password.encode() not in pickle.dumps(kept)
    cached, stamp = tokens._active_user(user.pk)
    assert (cached.pk, cached.email, cached.first_name, cached.is_active) == (
        user.pk,
        user.email,
        user.first_name,
        True,
    )
    assert stamp == tokens.token_password_stamp(user)
    # A code path that does need the hash still gets it, from the database.
    assert cached.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user: (user.set_password("a brand new passphrase"), user.save()), id="password"),
        pytest.param(lambda user: User.objects.get(pk=user.pk).delete(), id="deletion"),
        pytest.param(lambda user: (setattr(user, "is_active", False), user.save()), id="deactivation"),
    ],
)
def test_a_change_ends_a_token_its_user_was_kept_for(api_client, user, change):
    token = user_token_issue(user=user)
    assert _orders(api_client, token).status_code == 200  # the user is kept now

    change(user)

    assert _orders(api_client, token).status_code == 403


def test_a_new_name_is_seen_at_once(api_client, user):
    token = user_token_issue(user=user)
    _orders(api_client, token)

    user.first_name = "Grace"
    user.save()

    assert tokens.token_user(SlidingToken(token).payload).first_name == "Grace"


def test_a_read_made_before_a_change_is_never_kept(user):
    """A request read the user, then the password changed, then the request keeps what it read: unused."""
    version_key, _ = tokens._cache_keys(user.pk)
    tokens._active_user(user.pk)  # a version exists now
    before = cache.get(version_key)
    old_stamp = tokens.token_password_stamp(user)

    user.set_password("a brand new passphrase")
    user.save()  # token_user_forget(): a new version
    tokens._cache_keep(user, old_stamp, before, 60)  # the slow request writes its stale read

    assert tokens._active_user(user.pk)[1] == tokens.token_password_stamp(user) != old_stamp


def test_a_read_made_before_a_change_is_never_kept_when_no_version_existed(user):
    old_stamp = tokens.token_password_stamp(user)  # read while nothing was kept

    user.set_password("a brand new passphrase")
    user.save()
    tokens._cache_keep(user, old_stamp, None, 60)

    assert tokens._active_user(user.pk)[1] != old_stamp


def test_without_the_cache_the_database_answers(api_client, user, monkeypatch):
    token = user_token_issue(user=user)

    def unavailable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unavailable)
    monkeypatch.setattr(cache, "set", unavailable)

    assert _orders(api_client, token).status_code == 200
    other = UserFactory()
    other.set_password("changed")
    other.save()  # forgetting fails quietly too


def test_kept_users_are_off_without_a_shared_cache(settings, api_client, user):
    settings.TOKEN_USER_CACHE_SECONDS = 0
    token = user_token_issue(user=user)

    assert _user_queries(api_client, token) == 1
    assert _user_queries(api_client, token) == 1


def test_what_was_kept_under_another_secret_key_is_never_read(settings, api_client, user):
    """A deployment that rolls the secret key shares Redis with the old one: the old stamps must not count."""
    _orders(api_client, user_token_issue(user=user))  # kept under the old key

    settings.SECRET_KEY = "another secret key for the next deployment, long enough" * 2
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": settings.SECRET_KEY}
    token = user_token_issue(user=user)

    assert _orders(api_client, token).status_code == 200
