"""Stripe's webhook events: what Stripe (or someone in its Dashboard) did to an order's payment.

`stripe_event_handle` verifies the signature, does nothing for an event id seen
before, applies the event through the same locked transitions as every other
path (orders.settlement), then records the event by id. A failure raises before
the event is recorded, so the view answers 5xx and Stripe retries; every step is
idempotent, so a retry never applies anything twice.

An event settles an order only when its metadata names the order *and* this
installation and its customer (or the object itself) is the one the order
recorded; refunds and disputes are matched by the order's own charge.
"""

import logging
import re

from django.db import IntegrityError

from orders import payments
from orders.disputes import dispute_close, dispute_open
from orders.errors import DECLINED_MESSAGE
from orders.models import Order, PaymentEvent
from orders.refunds import order_refund_extra_charge
from orders.settlement import order_mark_disputed, order_mark_failed, order_mark_paid, order_mark_refunded

logger = logging.getLogger(__name__)

# An order id as the shop writes it in a payment's metadata (and as every database's ids can hold).
_ORDER_ID = re.compile(r"[1-9][0-9]{0,17}")


def stripe_event_handle(*, payload: bytes, signature: str) -> str:
    """Verify and apply one webhook event; return what was done (for the logs and the answer)."""
    try:
        event = payments.webhook_event(payload=payload, signature=signature)
    except payments.WebhookMalformed as malformed:
        # Signed, so Stripe's (or its secret's holder's): answered 200, or Stripe would retry it forever.
        logger.error("Stripe event not applied: %s", malformed.message)
        return "malformed event, ignored"
    if PaymentEvent.objects.filter(stripe_event_id=event.id).exists():
        return "duplicate, ignored"
    handler = _HANDLERS.get(event.type)
    order, outcome = handler(event) if handler else (None, "ignored")
    try:
        PaymentEvent.objects.create(
            order=order,
            kind=PaymentEvent.Kind.WEBHOOK,
            stripe_event_id=event.id,
            stripe_event_type=event.type[:64],
            stripe_object_id=event.object_id,
            detail=outcome,
        )
    except IntegrityError:
        return "duplicate, ignored"  # a concurrent delivery of the same event recorded it first
    logger.info("Stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome


def _order_named(event: payments.WebhookEvent) -> Order | None:
    """Return the order the event's payment was made for by this installation, or None."""
    if not _ORDER_ID.fullmatch(event.order_id):
        return None
    order = Order.objects.filter(pk=int(event.order_id)).first()
    if order is None or event.installation != order.installation:
        return None
    ours = {order.stripe_charge_id, order.stripe_payment_intent_id} - {""}
    if (event.customer and event.customer == order.stripe_customer_id) or event.object_id in ours:
        return order
    return None


def _order_of_charge(charge_id: str) -> Order | None:
    return Order.objects.filter(stripe_charge_id=charge_id).first() if charge_id else None


def _payment_succeeded(event: payments.WebhookEvent) -> tuple[Order | None, str]:
    order = _order_named(event)
    if order is None:
        return None, "no matching order"
    is_intent = event.object_type == "payment_intent"
    charge_id = event.charge if is_intent else event.object_id
    if order.status in (Order.Status.UNPAID, Order.Status.FAILED):
        order = order_mark_paid(
            order=order, charge_id=charge_id, payment_intent_id=event.object_id if is_intent else "", by="webhook"
        )
        return order, "paid"
    if charge_id and charge_id != order.stripe_charge_id:
        # A second payment for one order: keep the first, give this one back.
        order_refund_extra_charge(order=order, charge_id=charge_id, amount=event.amount)
        return order, f"extra charge {charge_id} refunded"
    return order, "already settled"


def _payment_failed(event: payments.WebhookEvent) -> tuple[Order | None, str]:
    order = _order_named(event)
    if order is None:
        return None, "no matching order"
    current = order.stripe_payment_intent_id if event.object_type == "payment_intent" else order.stripe_charge_id
    if current and current != event.object_id:
        return order, "not the order's payment, ignored"
    order = order_mark_failed(
        order=order, reason=event.failure_message or DECLINED_MESSAGE, charge_id=event.charge or ""
    )
    return order, f"{order.status}"


def _charge_refunded(event: payments.WebhookEvent) -> tuple[Order | None, str]:
    order = _order_of_charge(event.object_id)
    if order is None:
        named = _order_named(event)
        return named, "refund of a charge the order did not keep, ignored" if named else "no matching order"
    if event.amount_refunded < event.amount:
        return order, "partial refund, order unchanged"
    order = order_mark_refunded(order=order, by="Stripe (webhook)")
    return order, f"{order.status}"


def _dispute_created(event: payments.WebhookEvent) -> tuple[Order | None, str]:
    order = _order_of_charge(event.charge)
    if order is None:
        return None, "no matching order"
    order_mark_disputed(order=order, dispute_id=event.object_id, open_=True, detail=event.status)
    dispute_open(order=order, dispute_id=event.object_id, status=event.status, amount=event.amount or None)
    return order, "disputed: downloads stopped, evidence being drafted"


def _dispute_closed(event: payments.WebhookEvent) -> tuple[Order | None, str]:
    order = _order_of_charge(event.charge)
    if order is None:
        return None, "no matching order"
    order = order_mark_disputed(order=order, dispute_id=event.object_id, open_=False, detail=event.status)
    dispute_close(dispute_id=event.object_id, status=event.status)
    return order, "dispute won: downloads restored" if not order.disputed else f"dispute {event.status}"


_HANDLERS = {
    "charge.succeeded": _payment_succeeded,
    "payment_intent.succeeded": _payment_succeeded,
    "charge.failed": _payment_failed,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
}
