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

from orders.after_payment import order_paid_announce
from orders.ledger import payment_event_record
from orders.models import Order, PaymentEvent, order_state_downloadable

logger = logging.getLogger(__name__)

FAILURE_REASON_MAX_LENGTH = 500


@contextmanager
def order_locked(order: Order) -> Iterator[Order]:
    """Yield the order's row locked for this transaction; `order` then holds what the row holds at commit.

    The locked copy is read under the lock and saved with every change, so it is
    the row as committed: `order` takes its fields, still inside the transaction
    (what runs after the commit sees them), without reading the row again, and
    keeps its cached shopper and photo.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        yield locked
        for field in Order._meta.concrete_fields:
            setattr(order, field.attname, getattr(locked, field.attname))


def order_mark_paid(*, order: Order, charge_id: str, payment_intent_id: str = "", by: str = "purchase") -> Order:
    """Record a successful charge: UNPAID, or FAILED that the charge proves wrong, becomes PAID.

    The one transition to PAID: an order that becomes PAID here is announced,
    once, to what follows payment (orders.after_payment), after the commit.
    """
    with order_locked(order) as locked:
        if _order_paid(locked, charge_id=charge_id, payment_intent_id=payment_intent_id, by=by):
            order_paid_announce(order=order, by=by)
    return order


def _order_paid(locked: Order, *, charge_id: str, payment_intent_id: str, by: str) -> bool:
    """Make the locked order PAID unless it is settled otherwise; return whether it became PAID now."""
    if locked.status not in (Order.Status.UNPAID, Order.Status.FAILED):
        return False  # settled already (by a webhook, reconciliation, another request)
    if locked.status == Order.Status.FAILED:
        logger.warning("Order %s was FAILED but its charge %s succeeded: now PAID", locked.pk, charge_id)
    locked.status = Order.Status.PAID
    locked.stripe_charge_id = charge_id
    if payment_intent_id:
        locked.stripe_payment_intent_id = payment_intent_id
    locked.failure_reason = ""
    locked.outcome_unknown = False
    locked.awaiting_authentication = False
    locked.save()
    payment_event_record(
        order=locked,
        kind=PaymentEvent.Kind.PAID,
        stripe_object_id=charge_id,
        amount=locked.amount_minor_units,
        detail=f"by {by}",
    )
    return True


def order_mark_failed(*, order: Order, reason: str, charge_id: str = "", unattempted_only: bool = False) -> Order:
    """Record a refused payment: UNPAID becomes FAILED, with the reason the shopper reads.

    With `unattempted_only`, only an order whose charge was never sent is failed:
    the check and the change happen under the lock a charge's claim takes.
    """
    with order_locked(order) as locked:
        if locked.status != Order.Status.UNPAID or (unattempted_only and locked.charge_attempted_at):
            return order
        locked.status = Order.Status.FAILED
        locked.failure_reason = reason[:FAILURE_REASON_MAX_LENGTH]
        locked.stripe_charge_id = charge_id
        locked.outcome_unknown = False
        locked.awaiting_authentication = False
        locked.save()
        payment_event_record(
            order=locked, kind=PaymentEvent.Kind.FAILED, stripe_object_id=charge_id, detail=locked.failure_reason
        )
    return order


def order_mark_outcome_unknown(*, order: Order) -> Order:
    """Record that the payment service left the outcome unknown: the order stays UNPAID for reconciliation."""
    with order_locked(order) as locked:
        if locked.status == Order.Status.UNPAID:
            locked.outcome_unknown = True
            locked.save()
            payment_event_record(order=locked, kind=PaymentEvent.Kind.OUTCOME_UNKNOWN)
    return order


def order_mark_requires_action(*, order: Order, payment_intent_id: str) -> Order:
    """Record that the bank asked for 3-D Secure: the order stays UNPAID, awaiting the shopper's authentication."""
    with order_locked(order) as locked:
        if locked.status == Order.Status.UNPAID and not locked.awaiting_authentication:
            locked.stripe_payment_intent_id = payment_intent_id
            locked.awaiting_authentication = True
            locked.save()
            payment_event_record(
                order=locked, kind=PaymentEvent.Kind.REQUIRES_ACTION, stripe_object_id=payment_intent_id
            )
    return order


def order_mark_refunded(*, order: Order, refund_id: str = "", by: str = "the shop") -> Order:
    """Record a full refund: PAID (or UNPAID, when the refund is learnt first) becomes REFUNDED."""
    with order_locked(order) as locked:
        if locked.status in (Order.Status.PAID, Order.Status.UNPAID):
            locked.status = Order.Status.REFUNDED
            locked.awaiting_authentication = False
            locked.save(update_fields=["status", "awaiting_authentication", "updated_at"])
            payment_event_record(
                order=locked,
                kind=PaymentEvent.Kind.REFUNDED,
                stripe_object_id=refund_id or locked.stripe_charge_id,
                amount=locked.amount_minor_units,
                detail=f"by {by}",
            )
    return order


def order_mark_disputed(*, order: Order, dispute_id: str, open_: bool, detail: str = "") -> Order:
    """Record a dispute opened (downloads stop) or closed (`open_` False: won restores them, lost keeps them off)."""
    with order_locked(order) as locked:
        locked.disputed = open_ or detail == "lost"
        locked.save(update_fields=["disputed", "updated_at"])
        kind = PaymentEvent.Kind.DISPUTE_OPENED if open_ else PaymentEvent.Kind.DISPUTE_CLOSED
        payment_event_record(order=locked, kind=kind, stripe_object_id=dispute_id, detail=detail)
    return order


def order_downloadable(order: Order) -> bool:
    """Whether the buyer may download the photo: PAID, and no dispute open (or lost) on its payment."""
    return order_state_downloadable(order.status, order.disputed)
