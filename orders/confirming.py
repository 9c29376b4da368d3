"""Finish a payment the bank asked the shopper to authenticate (3-D Secure, PaymentIntents).

`POST /api/order/` answers 202 with the PaymentIntent's client secret; the site
completes the challenge with Stripe.js, then `order_confirm` asks Stripe how
the PaymentIntent ended and records it, under the same row locks as the rest.
"""

from orders import payments
from orders.errors import (
    DECLINED_MESSAGE,
    OrderInProgress,
    OrderInvalid,
    OrderNotFound,
    OrderPaymentDeclined,
    OrderPaymentPending,
    OrderRequiresAction,
)
from orders.models import Order
from orders.receipts import order_receipt_send
from orders.settlement import order_mark_failed, order_mark_paid, order_mark_requires_action


def order_payment_intent_settle(*, order: Order, intent: payments.PaymentIntent) -> Order:
    """Record what a PaymentIntent of the order says: paid, failed, awaiting authentication or still unknown."""
    if intent.paid:
        return order_mark_paid(order=order, charge_id=intent.latest_charge, payment_intent_id=intent.id)
    if intent.failed:
        return order_mark_failed(
            order=order, reason=intent.failure_message or DECLINED_MESSAGE, charge_id=intent.latest_charge
        )
    if intent.status == "requires_action":
        order_mark_requires_action(order=order, payment_intent_id=intent.id)
        raise OrderRequiresAction(order_id=order.pk, client_secret=intent.client_secret)
    raise payments.PaymentUnavailable(f"PaymentIntent {intent.id} is still {intent.status}.")


def order_authentication_ask(*, order: Order) -> None:
    """Answer an order awaiting 3-D Secure with its PaymentIntent's client secret again (a repeated request)."""
    try:
        intent = payments.payment_intent_retrieve(payment_intent_id=order.stripe_payment_intent_id)
    except payments.PaymentError:
        raise OrderPaymentPending(extra={"order_id": order.pk}) from None
    if intent.status == "requires_action":
        raise OrderRequiresAction(order_id=order.pk, client_secret=intent.client_secret)


def order_confirm(*, user, order_id: int) -> Order:
    """Record how the order's PaymentIntent ended after the shopper's authentication; return the order.

    The order is only settled with the PaymentIntent it recorded, made by this
    installation for this shopper's customer.
    """
    order = Order.objects.filter(pk=order_id, user=user).first()
    if order is None:
        raise OrderNotFound()
    if order.status == Order.Status.UNPAID:
        order = _order_settle_authenticated(order=order)
    extra = {"order_id": order.pk}
    match order.status:
        case Order.Status.PAID:
            order_receipt_send(order=order)
            return order
        case Order.Status.FAILED:
            raise OrderPaymentDeclined(order.failure_reason or None, extra=extra)
        case Order.Status.REFUNDED:
            raise OrderInvalid("This order was refunded.", extra=extra)
    raise OrderInProgress(extra=extra)


def _order_settle_authenticated(*, order: Order) -> Order:
    """Ask Stripe how the order's own PaymentIntent ended, and record it."""
    if not order.stripe_payment_intent_id:
        raise OrderInProgress(extra={"order_id": order.pk})
    try:
        intent = payments.payment_intent_retrieve(payment_intent_id=order.stripe_payment_intent_id)
    except payments.PaymentError:
        raise OrderPaymentPending(extra={"order_id": order.pk}) from None
    if intent.installation != order.installation or intent.customer != order.stripe_customer_id:
        raise OrderNotFound()
    try:
        order = order_payment_intent_settle(order=order, intent=intent)
    except payments.PaymentUnavailable:
        raise OrderInProgress(extra={"order_id": order.pk}) from None
    except OrderRequiresAction:
        # The shopper has not finished the challenge yet.
        raise OrderInProgress(
            "Your bank is still waiting for you to confirm this payment.", extra={"order_id": order.pk}
        ) from None
    return order
