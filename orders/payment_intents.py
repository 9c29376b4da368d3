"""Pay through a PaymentIntent (STRIPE_PAYMENT_FLOW=payment_intents), 3-D Secure included.

A purchase records what its new PaymentIntent says (`order_payment_intent_settle`).
When the bank asks the shopper to authenticate, the order stays UNPAID and
`awaiting_authentication`, and `POST /api/order/` answers 202 with the
PaymentIntent's client secret (a repeated request asks Stripe for it again:
`order_authentication_ask`); the site completes the challenge with Stripe.js,
then `order_confirm` asks Stripe how the PaymentIntent ended and records it,
under the same row locks as every other path (orders.settlement).
"""

from dataclasses import dataclass

from accounts.models import User
from orders import payments
from orders.errors import (
    DECLINED_MESSAGE,
    OrderInProgress,
    OrderInvalid,
    OrderNotFound,
    OrderPaymentDeclined,
    OrderPaymentPending,
)
from orders.models import Order
from orders.settlement import order_mark_failed, order_mark_paid, order_mark_requires_action


@dataclass(frozen=True)
class Purchase:
    """What a purchase came to: a PAID order, or one whose payment awaits the shopper's 3-D Secure authentication.

    `client_secret` (set only while authentication is awaited) is what Stripe.js's
    `confirmCardPayment` needs to show the bank's challenge.
    """

    order: Order
    client_secret: str = ""

    @property
    def awaits_authentication(self) -> bool:
        return bool(self.client_secret)


def order_payment_intent_settle(*, order: Order, intent: payments.PaymentIntent) -> Order:
    """Record what a PaymentIntent of the order says: paid, failed or awaiting authentication; return the order.

    Raises payments.PaymentUnavailable when the PaymentIntent is in none of these states yet.
    """
    if intent.paid:
        return order_mark_paid(order=order, charge_id=intent.latest_charge, payment_intent_id=intent.id)
    if intent.failed:
        return order_mark_failed(
            order=order, reason=intent.failure_message or DECLINED_MESSAGE, charge_id=intent.latest_charge
        )
    if intent.status == "requires_action":
        return order_mark_requires_action(order=order, payment_intent_id=intent.id)
    raise payments.PaymentUnavailable(f"PaymentIntent {intent.id} is still {intent.status}.")


def order_authentication_ask(*, order: Order) -> Purchase:
    """Ask Stripe again for the client secret of an order awaiting authentication (a repeated purchase request).

    Raises OrderInProgress when the PaymentIntent no longer asks for it (the
    shopper finished the challenge meanwhile), OrderPaymentPending when Stripe
    cannot be asked.
    """
    try:
        intent = payments.payment_intent_retrieve(payment_intent_id=order.stripe_payment_intent_id)
    except payments.PaymentError:
        raise OrderPaymentPending(extra={"order_id": order.pk}) from None
    if intent.status == "requires_action":
        return Purchase(order=order, client_secret=intent.client_secret)
    raise OrderInProgress(extra={"order_id": order.pk})


def order_confirm(*, user: User, order_id: int) -> Order:
    """Record how the order's PaymentIntent ended after the shopper's authentication; return the PAID order.

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
            return order
        case Order.Status.FAILED:
            raise OrderPaymentDeclined(order.failure_reason or None, extra=extra)
        case Order.Status.REFUNDED:
            raise OrderInvalid("This order was refunded.", extra=extra)
    if order.awaiting_authentication:
        # The shopper has not finished the challenge yet.
        raise OrderInProgress("Your bank is still waiting for you to confirm this payment.", extra=extra)
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
        return order_payment_intent_settle(order=order, intent=intent)
    except payments.PaymentUnavailable:
        raise OrderInProgress(extra={"order_id": order.pk}) from None
