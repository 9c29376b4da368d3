"""Login and signup limits hold under concurrent requests, whatever the cache, and never store what a client sent."""

import warnings

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.base import CacheKeyWarning
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.concurrency import run_concurrently

LOGIN = "/api/api-token-auth/"
SIGNUP = "/api/signup/"


def _cache_keys() -> list[str]:
    """Every key in the configured cache (local memory or Redis)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return [key.decode() for key in backend._cache.get_client().scan_iter("*")]
    return list(backend._cache)


@pytest.fixture(params=["configured", "database"])
def throttle_cache(request, settings, db_vendor):
    """The cache the settings name (local memory, or Redis on the MariaDB leg), then Django's database cache."""
    if request.param == "database":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_throttle_cache"}
        }
        call_command("createcachetable", verbosity=0)
        cache.clear()
    return request.param


@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_never_pass_more_than_the_limit(settings, throttle_cache):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "10/day", "login_account": "1000/day"}

    def attempt(index: int) -> int:
        body = {"username": f"burst{index}@example.com", "password": "wrong"}
        return APIClient().post(LOGIN, body, format="json").status_code

    statuses = run_concurrently(50, attempt)

    assert statuses.count(400) == 10
    assert statuses.count(429) == 40


@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_to_one_account_never_pass_more_than_its_limit(settings, throttle_cache):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1000/day", "login_account": "5/day"}

    def attempt(index: int) -> int:
        body = {"username": "victim@example.com", "password": f"guess {index}"}
        address = f"10.9.{index // 250}.{index % 250}"
        return APIClient().post(LOGIN, body, format="json", REMOTE_ADDR=address).status_code

    statuses = run_concurrently(50, attempt)

    assert statuses.count(400) == 5
    assert statuses.count(429) == 45


@pytest.mark.django_db
def test_retry_after_counts_down_to_the_end_of_the_window(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1/min"}
    api_client.post(LOGIN, {"username": "a@example.com", "password": "x"}, format="json")

    response = api_client.post(LOGIN, {"username": "a@example.com", "password": "x"}, format="json")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, SIGNUP])
def test_cache_keys_never_hold_what_the_client_sent(api_client, url):
    email = "Someone.Unusual+tag@example.com"
    body = {"username": email, "email": email, "password": "x", "first_name": "A", "last_name": "B"}

    api_client.post(url, body, format="json", REMOTE_ADDR="203.0.113.77")

    keys = _cache_keys()
    assert keys, "the throttles counted nothing"
    for key in keys:
        assert "someone.unusual" not in key.lower()
        assert "203.0.113.77" not in key


@pytest.mark.django_db
def test_a_huge_username_writes_nothing_huge_to_the_log(api_client, caplog):
    username = "a" * 60_000 + "@example.com"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = api_client.post(LOGIN, {"username": username, "password": "x"}, format="json")

    assert response.status_code == 400
    # Django warns about long cache keys with the whole key in the message; the log carries warnings.
    assert [str(w.message)[:200] for w in caught if issubclass(w.category, CacheKeyWarning)] == []
    assert sum(len(record.getMessage()) for record in caplog.records) < 2_000


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_never_pass_the_shoppers_limit(settings, throttle_cache, user, client_for):
    # The purchase throttle counts the same way; an empty body stops each request before Stripe.
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "order_user": "10/day"}
    clients = [client_for(user) for _ in range(50)]

    statuses = run_concurrently(50, lambda index: clients[index].post("/api/order/", {}, format="json").status_code)

    assert statuses.count(400) == 10
    assert statuses.count(429) == 40
