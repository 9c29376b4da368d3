"""Throttles counting in time windows, with rates from settings.THROTTLE_RATES (the environment).

DRF's SimpleRateThrottle reads a list of timestamps from the cache and writes it back: requests
arriving together all read the same list and all pass. Here a window opens at the first request
counted and lasts the rate's period; it is one counter that the cache increments atomically (Redis
INCR; the local-memory cache under its lock; the database cache under a row lock), so no more than
the limit pass in a window, however many requests arrive at once. (Back-to-back windows can let up
to twice the limit through in one period, never more.)

Cache keys name the throttle's scope and a hash of what it counts by (an address, an email): text a
client sent never becomes a key, so it cannot break the cache (a lone surrogate) or fill the logs (a
60 KB email).
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from rest_framework.throttling import SimpleRateThrottle

# Counters outlive their window a little, so that a clock a second off between workers still finds them.
_GRACE_SECONDS = 5


def throttle_cache_key(scope: str, ident: str) -> str:
    """Return the cache key for a throttle's scope and what it counts by: that one a hash, never the text itself."""
    digest = hashlib.sha256(str(ident).encode("utf-8", "surrogatepass")).hexdigest()
    return f"throttle:{scope}:{digest}"


def _increment_in_database(cache: DatabaseCache, key: str, timeout: int) -> int:
    """Add one to a counter in the database cache, holding its row lock (Django's incr() reads, then writes)."""
    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    with transaction.atomic(using=db):
        if connection.features.has_select_for_update:
            table = connection.ops.quote_name(cache._table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608 - table name quoted
                    [cache.make_and_validate_key(key)],
                )
        # SQLite has no row locks: the project opens its transactions IMMEDIATE, which serialises writers.
        value = cache.get(key, 0) + 1
        cache.set(key, value, timeout)
        return value


def _increment(key: str, timeout: int) -> int:
    """Add one to the counter `key` (created at zero, expiring after `timeout` s); return its new value."""
    cache = caches[DEFAULT_CACHE_ALIAS]
    for _ in range(2):
        cache.add(key, 0, timeout)
        try:
            if isinstance(cache, DatabaseCache):
                return _increment_in_database(cache, key, timeout)
            return cache.incr(key)
        except ValueError:  # it expired between add() and incr(): start it again
            continue
    raise RuntimeError(f"Throttle counter {key} keeps expiring")


class SettingsRateThrottle(SimpleRateThrottle):
    """A scoped throttle reading its rate from settings.THROTTLE_RATES each time, counting per window.

    Subclasses say what to count by in get_cache_key(), as with DRF's throttles; that value is hashed.
    """

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        key = f"{throttle_cache_key(self.scope, ident)}:{self.duration}"
        self.now = self.timer()
        # The first request of a window records when it opened; the window's counter is named after it.
        cache = caches[DEFAULT_CACHE_ALIAS]
        cache.add(f"{key}:opened", self.now, self.duration)
        opened = cache.get(f"{key}:opened", self.now)
        self.window_ends_at = opened + self.duration
        timeout = math.ceil(self.window_ends_at - self.now) + _GRACE_SECONDS
        return _increment(f"{key}:{opened!r}", timeout) <= self.num_requests

    def wait(self):
        """Seconds until the window closes and the count starts again."""
        return max(self.window_ends_at - self.now, 1)
