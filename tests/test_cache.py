"""The Redis cache backend: Django's, sharing one redis-py client per connection pool."""

import pytest
import redis as redis_py

from frameseller.cache import RedisCache
from tests.concurrency import run_concurrently

REDIS_URL = "redis://127.0.0.1:6379/13"  # this test's own database


@pytest.fixture
def backend():
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": "cache-test"})
    try:
        backend.clear()
    except redis_py.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield backend
    backend.clear()


def test_every_operation_shares_one_client(backend):
    first = backend._cache.get_client()

    assert backend._cache.get_client(write=True) is first
    assert backend._cache.get_client() is first


def test_the_shared_client_serves_threads_at_once(backend):
    def work(index: int) -> bool:
        for round_ in range(50):
            backend.set(f"key-{index}", (index, round_), 30)
            if backend.get(f"key-{index}") != (index, round_):
                return False
        backend.add("counter", 0)
        return backend.incr("counter") > 0

    assert all(run_concurrently(8, work))
    assert backend.get("counter") == 8
