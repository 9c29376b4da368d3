"""Order services: place an order and charge it, settle its payment.

The order is recorded and committed before Stripe is called, and its outcome
recorded after: no database transaction is held open across a network call.
Only the process that claims the order under a row lock sends its charge, so
retries, double clicks and concurrent duplicates never charge twice.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from catalog.models import Product
from catalog.selectors import product_get_on_sale
from frameseller.exceptions import ApplicationError, ConflictError
from orders import payments
from orders.models import Order

logger = logging.getLogger(__name__)

PAYMENT_PENDING_MESSAGE = (
    "The payment service could not confirm your payment. Nothing will be charged twice: "
    "your order will be settled shortly, check My orders."
)


class OrderInvalid(ApplicationError):
    default_message = "The order request is invalid."


class OrderPaymentDeclined(ApplicationError):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_message = "Your card was declined."


class OrderPaymentPending(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = PAYMENT_PENDING_MESSAGE


class OrderInProgress(ConflictError):
    default_message = "This payment is already being processed; check My orders in a moment."


# How long a duplicate request waits for the first attempt's outcome before 409.
DUPLICATE_WAIT_SECONDS = 3.0


def order_place(*, user: User, product_id: int, token: str, idempotency_key: str | None = None) -> Order:
    """Record an order for a photo and charge the shopper's card for it, once.

    A request repeating an earlier one (same Idempotency-Key, or same Stripe
    token) answers with the earlier outcome instead of charging again.
    """
    product = product_get_on_sale(product_id=product_id)
    if product is None:
        raise OrderInvalid("Unknown product: this photo is not for sale.")

    earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
    if earlier is not None:
        return _order_replay(order=earlier, user=user)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                user=user,
                product=product,
                price=product.price,
                currency=product.currency,
                idempotency_key=idempotency_key,
                stripe_token=token,
            )
    except IntegrityError:
        # A concurrent duplicate recorded it first; its outcome is ours.
        earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
        if earlier is None:
            raise
        return _order_replay(order=earlier, user=user)
    return order_charge(order=order, token=token)


def _order_find_earlier(*, user: User, token: str, idempotency_key: str | None) -> Order | None:
    if idempotency_key:
        order = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if order is not None:
            return order
    return Order.objects.filter(stripe_token=token).first()


def _order_replay(*, order: Order, user: User) -> Order:
    """Answer a repeated request with the first attempt's outcome."""
    if order.user_id != user.pk:
        raise OrderInvalid("This payment token has already been used. Please enter your card again.")
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while order.paymentstatus == Order.Status.UNPAID and not order.outcome_unknown and time.monotonic() < deadline:
        time.sleep(0.1)
        order.refresh_from_db()
    return _order_outcome(order=order)


def _order_outcome(*, order: Order) -> Order:
    """Return a paid order, or raise the error that describes its state."""
    if order.paymentstatus == Order.Status.PAID:
        return order
    extra = {"order_id": order.pk}
    if order.paymentstatus == Order.Status.FAILED:
        raise OrderPaymentDeclined(order.failure_reason or None, extra=extra)
    if order.paymentstatus == Order.Status.REFUNDED:
        raise OrderInvalid("This order was refunded.", extra=extra)
    if order.outcome_unknown:
        raise OrderPaymentPending(extra=extra)
    raise OrderInProgress(extra=extra)


def _order_claim_charge(*, order: Order) -> bool:
    """Mark the order as being charged, under a row lock; False if someone else already did."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus != Order.Status.UNPAID or locked.charge_attempted_at is not None:
            return False
        locked.charge_attempted_at = timezone.now()
        locked.stripe_customer_id = order.stripe_customer_id
        locked.save(update_fields=["charge_attempted_at", "stripe_customer_id", "updated_at"])
    return True


def _user_stripe_customer(*, user: User) -> str:
    """Return the shopper's Stripe Customer id, creating the customer once."""
    user.refresh_from_db(fields=["stripe_customer_id"])
    if user.stripe_customer_id:
        return user.stripe_customer_id
    customer = payments.customer_create(
        user_id=user.pk, email=user.email, name=f"{user.first_name} {user.last_name}".strip()
    )
    # Keep the first one remembered if two purchases raced to create it.
    User.objects.filter(pk=user.pk, stripe_customer_id="").update(stripe_customer_id=customer.id)
    user.refresh_from_db(fields=["stripe_customer_id"])
    return user.stripe_customer_id


def order_charge(*, order: Order, token: str) -> Order:
    """Charge the card behind `token` for a recorded UNPAID order and record the outcome."""
    product: Product = order.product
    try:
        order.stripe_customer_id = _user_stripe_customer(user=order.user)
        card = payments.card_attach(
            customer_id=order.stripe_customer_id, token=token, idempotency_key=f"order-{order.pk}-card"
        )
        if not _order_claim_charge(order=order):
            order.refresh_from_db()
            return _order_outcome(order=order)
        result = payments.charge(
            customer_id=order.stripe_customer_id,
            card_id=card.id,
            amount=order.amount_minor_units,
            currency=order.currency,
            description=f"FrameSeller photo: {product.title}",
            metadata={"order_id": str(order.pk), "product_id": str(product.pk), "email": order.user.email},
            idempotency_key=f"order-{order.pk}",
        )
    except payments.PaymentDeclined as declined:
        order = order_mark_failed(order=order, reason=declined.message)
    except payments.PaymentUnavailable:
        logger.warning("Payment outcome unknown for order %s; left UNPAID for reconciliation", order.pk)
        order = order_mark_outcome_unknown(order=order)
    else:
        order = order_mark_paid(order=order, charge_id=result.id)
    return _order_outcome(order=order)


def _order_transition(*, order: Order, **changes) -> Order:
    """Apply changes to an UNPAID order under a row lock; a settled order is left as it is."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus == Order.Status.UNPAID:
            for field, value in changes.items():
                setattr(locked, field, value)
            locked.save()
    order.refresh_from_db()
    return order


def order_mark_paid(*, order: Order, charge_id: str) -> Order:
    """Record a successful charge: UNPAID becomes PAID."""
    return _order_transition(
        order=order, paymentstatus=Order.Status.PAID, stripe_charge_id=charge_id, outcome_unknown=False
    )


def order_mark_failed(*, order: Order, reason: str, charge_id: str = "") -> Order:
    """Record a refused payment: UNPAID becomes FAILED, with Stripe's message."""
    return _order_transition(
        order=order,
        paymentstatus=Order.Status.FAILED,
        failure_reason=reason[:500],
        stripe_charge_id=charge_id,
        outcome_unknown=False,
    )


def order_mark_outcome_unknown(*, order: Order) -> Order:
    """Record that the payment service left the outcome unknown; the order stays UNPAID."""
    return _order_transition(order=order, outcome_unknown=True)


class OrderNotRefundable(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_message = "Only a paid order can be refunded."


def order_refund(*, order: Order) -> Order:
    """Refund a PAID order in full on Stripe and mark it REFUNDED."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus != Order.Status.PAID or not locked.stripe_charge_id:
            raise OrderNotRefundable()
    try:
        payments.refund(
            charge_id=locked.stripe_charge_id,
            idempotency_key=f"order-{order.pk}-refund",
            metadata={"order_id": str(order.pk)},
        )
    except payments.PaymentError as error:
        raise OrderNotRefundable(f"Stripe did not refund order {order.pk}: {error.message}") from error
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus == Order.Status.PAID:
            locked.paymentstatus = Order.Status.REFUNDED
            locked.save(update_fields=["paymentstatus", "updated_at"])
    order.refresh_from_db()
    return order


def order_reconcile(*, order: Order) -> Order:
    """Settle an UNPAID order by asking Stripe for the charge that carries its id."""
    if order.paymentstatus != Order.Status.UNPAID:
        return order
    if order.charge_attempted_at is None or not order.stripe_customer_id:
        # The charge was never sent: nothing can have been charged.
        return order_mark_failed(order=order, reason="The payment was not completed; nothing was charged.")
    found = payments.charge_find(
        customer_id=order.stripe_customer_id, metadata_key="order_id", metadata_value=str(order.pk)
    )
    if found is None:
        return order_mark_failed(order=order, reason="No payment was received for this order; nothing was charged.")
    if found.paid:
        return order_mark_paid(order=order, charge_id=found.id)
    return order_mark_failed(order=order, reason=found.failure_message or "Your card was declined.", charge_id=found.id)


def order_reconcile_stale(*, older_than: timedelta | None = None) -> list[tuple[Order, str]]:
    """Settle every UNPAID order older than `older_than`; return (order, what happened) pairs."""
    if older_than is None:
        older_than = timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    results = []
    stale = Order.objects.filter(paymentstatus=Order.Status.UNPAID, orderdate__lt=cutoff).order_by("id")
    for order in stale:
        try:
            settled = order_reconcile(order=order)
        except payments.PaymentUnavailable as error:
            results.append((order, f"skipped: payment service unavailable ({error.message})"))
            continue
        results.append((settled, settled.paymentstatus))
    return results
