"""Keep a Stripe brownout from taking the whole shop down.

A worker process has a few threads, and a purchase holds one for as long as
Stripe takes to answer. Two rules keep threads free for the catalog, logins
and the load balancer's health check:

* a bulkhead: at most `STRIPE_MAX_CONCURRENT_PURCHASES` purchases per process
  wait on Stripe at once; one more is refused at once, not queued;
* a circuit breaker: after `STRIPE_BREAKER_FAILURES` purchases in a row found
  Stripe unavailable, purchases are refused at once for
  `STRIPE_BREAKER_SECONDS`; then one is let through to try Stripe again.

A refused purchase has sent nothing to Stripe: nothing was charged.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from orders.errors import OrderPaymentBusy


class _StripeCapacity:
    def __init__(self):
        self._lock = threading.Lock()
        self._in_flight = 0
        self._failures = 0
        self._open_until = 0.0
        self._trial_running = False

    def admit(self) -> bool:
        """Take a place for one purchase, or answer False when there is none (full, or the breaker is open)."""
        with self._lock:
            if self._in_flight >= settings.STRIPE_MAX_CONCURRENT_PURCHASES:
                return False
            if self._failures >= settings.STRIPE_BREAKER_FAILURES:
                if time.monotonic() < self._open_until or self._trial_running:
                    return False
                self._trial_running = True  # half-open: one purchase tries Stripe again
            self._in_flight += 1
            return True

    def release(self, *, stripe_available: bool) -> None:
        """Give the place back, recording whether Stripe answered."""
        with self._lock:
            self._in_flight -= 1
            self._trial_running = False
            if stripe_available:
                self._failures = 0
            else:
                self._failures += 1
                if self._failures >= settings.STRIPE_BREAKER_FAILURES:
                    self._open_until = time.monotonic() + settings.STRIPE_BREAKER_SECONDS


_capacity = _StripeCapacity()


class PurchaseSlot:
    """A place among the purchases waiting on Stripe; say whether Stripe answered with `unavailable()`."""

    def __init__(self):
        self.stripe_available = True

    def unavailable(self) -> None:
        self.stripe_available = False


@contextmanager
def purchase_slot() -> Iterator[PurchaseSlot]:
    """Hold a place for one purchase's calls to Stripe, or raise OrderPaymentBusy at once."""
    if not _capacity.admit():
        raise OrderPaymentBusy()
    slot = PurchaseSlot()
    try:
        yield slot
    finally:
        _capacity.release(stripe_available=slot.stripe_available)


def capacity_reset() -> None:
    """Forget in-flight purchases and failures (for tests)."""
    global _capacity
    _capacity = _StripeCapacity()
