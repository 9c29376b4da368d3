"""Give a shopper's money back: a whole order, or a charge too many."""

import logging

from django.db import transaction

from orders import payments
from orders.errors import OrderNotRefundable
from orders.ledger import payment_event_record
from orders.models import Order, PaymentEvent
from orders.settlement import order_mark_refunded

logger = logging.getLogger(__name__)


def order_refund(*, order: Order) -> Order:
    """Refund a PAID order in full on Stripe and mark it REFUNDED."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.PAID or not locked.stripe_charge_id:
            raise OrderNotRefundable()
    try:
        refund = payments.refund(
            charge_id=locked.stripe_charge_id,
            idempotency_key=f"order-{order.pk}-refund",
            metadata={"order_id": str(order.pk)},
        )
    except payments.PaymentError as error:
        raise OrderNotRefundable(f"Stripe did not refund order {order.pk}: {error.message}") from error
    return order_mark_refunded(order=order, refund_id=refund.id, by="the shop's admin")


def order_refund_extra_charge(*, order: Order, charge_id: str, amount: int) -> bool:
    """Refund a succeeded charge that is not the one the order kept; return whether a refund was made now.

    Idempotent: a charge already refunded (on Stripe, or in the ledger) is left alone.
    Raises payments.PaymentError when Stripe cannot be reached: the caller retries later.
    """
    order.refresh_from_db()
    if charge_id == order.stripe_charge_id:
        return False
    done = order.payment_events.filter(kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED, stripe_object_id=charge_id)
    if done.exists():
        return False
    refund = payments.refund(
        charge_id=charge_id,
        idempotency_key=f"order-{order.pk}-extra-{charge_id}",
        metadata={"order_id": str(order.pk), "reason": "duplicate charge"},
    )
    logger.warning("Order %s had a second charge %s: refunded (%s)", order.pk, charge_id, refund.id or "already")
    payment_event_record(
        order=order,
        kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED,
        stripe_object_id=charge_id,
        amount=amount,
        detail=f"refund {refund.id}" if refund.id else "already refunded on Stripe",
    )
    return bool(refund.id)
