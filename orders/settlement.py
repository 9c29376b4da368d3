"""What happened to an order's payment, recorded under a row lock.

Each transition says which states it leaves and which it refuses to touch, so
that a late or repeated outcome (a retry, reconciliation, two workers) can
never undo a settled one. Money taken is never left unrecorded: a charge that
succeeds after its order was judged FAILED makes the order PAID.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from orders.models import Order

logger = logging.getLogger(__name__)

FAILURE_REASON_MAX_LENGTH = 500


@contextmanager
def _order_locked(order: Order) -> Iterator[Order]:
    """Yield the order's row locked for this transaction; refresh `order` afterwards."""
    with transaction.atomic():
        yield Order.objects.select_for_update().get(pk=order.pk)
    order.refresh_from_db()


def order_mark_paid(*, order: Order, charge_id: str) -> Order:
    """Record a successful charge: UNPAID, or FAILED that the charge proves wrong, becomes PAID."""
    with _order_locked(order) as locked:
        if locked.status not in (Order.Status.UNPAID, Order.Status.FAILED):
            return order
        if locked.status == Order.Status.FAILED:
            logger.warning("Order %s was FAILED but its charge %s succeeded: now PAID", order.pk, charge_id)
        locked.status = Order.Status.PAID
        locked.stripe_charge_id = charge_id
        locked.failure_reason = ""
        locked.outcome_unknown = False
        locked.save()
    return order


def order_mark_failed(*, order: Order, reason: str, charge_id: str = "", unattempted_only: bool = False) -> Order:
    """Record a refused payment: UNPAID becomes FAILED, with the reason the shopper reads.

    With `unattempted_only`, only an order whose charge was never sent is failed:
    the check and the change happen under the lock a charge's claim takes.
    """
    with _order_locked(order) as locked:
        if locked.status != Order.Status.UNPAID or (unattempted_only and locked.charge_attempted_at):
            return order
        locked.status = Order.Status.FAILED
        locked.failure_reason = reason[:FAILURE_REASON_MAX_LENGTH]
        locked.stripe_charge_id = charge_id
        locked.outcome_unknown = False
        locked.save()
    return order


def order_mark_outcome_unknown(*, order: Order) -> Order:
    """Record that the payment service left the outcome unknown: the order stays UNPAID for reconciliation."""
    with _order_locked(order) as locked:
        if locked.status == Order.Status.UNPAID:
            locked.outcome_unknown = True
            locked.save()
    return order


def order_mark_refunded(*, order: Order) -> Order:
    """Record a full refund: PAID becomes REFUNDED."""
    with _order_locked(order) as locked:
        if locked.status == Order.Status.PAID:
            locked.status = Order.Status.REFUNDED
            locked.save(update_fields=["status", "updated_at"])
    return order
