"""Keep a Stripe brownout from taking the whole shop down.

A worker process has a few threads, and a purchase holds one for as long as
Stripe takes to answer. Two rules keep threads free for the catalog, logins
and the load balancer's health check:

* a bulkhead: at most `STRIPE_MAX_CONCURRENT_PURCHASES` purchases per process
  wait on Stripe at once; one more is refused at once, not queued;
* a circuit breaker: after `STRIPE_BREAKER_FAILURES` purchases in a row found
  Stripe unavailable, purchases are refused at once for
  `STRIPE_BREAKER_SECONDS`; then one is let through to try Stripe again.

A purchase takes its place before its order is recorded: a refused one has
recorded nothing and sent nothing to Stripe (nothing was charged, nothing
shows in My orders), and is answered 503 `payment_busy` with a Retry-After.
"""

import threading
import time

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

    def release(self, *, stripe_available: bool | None) -> None:
        """Give the place back, recording whether Stripe answered (None: nothing was asked of it)."""
        with self._lock:
            self._in_flight -= 1
            self._trial_running = False
            if stripe_available:
                self._failures = 0
            elif stripe_available is not None:
                self._failures += 1
                if self._failures >= settings.STRIPE_BREAKER_FAILURES:
                    self._open_until = time.monotonic() + settings.STRIPE_BREAKER_SECONDS


_capacity = _StripeCapacity()


class PurchaseSlot:
    """A place among the purchases waiting on Stripe; say what Stripe did with `unavailable()` or `unused()`."""

    def __init__(self):
        self.stripe_available: bool | None = True

    def unavailable(self) -> None:
        self.stripe_available = False

    def unused(self) -> None:
        """Nothing was asked of Stripe: the breaker learns nothing from it."""
        self.stripe_available = None

    def __enter__(self) -> "PurchaseSlot":
        return self

    def __exit__(self, *exc_info) -> None:
        _capacity.release(stripe_available=self.stripe_available)


def purchase_slot() -> PurchaseSlot:
    """Take a place for one purchase's calls to Stripe, or raise OrderPaymentBusy at once.

    The place is held until the `with` block of the slot returned ends.
    """
    if not _capacity.admit():
        raise OrderPaymentBusy()
    return PurchaseSlot()


def capacity_reset() -> None:
    """Forget in-flight purchases and failures (for tests)."""
    global _capacity
    _capacity = _StripeCapacity()
