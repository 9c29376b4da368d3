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
from django.db.models import Q
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


class OrderPaymentRejected(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_message = payments.REJECTED_MESSAGE


class OrderInProgress(ConflictError):
    default_message = "This payment is already being processed; check My orders in a moment."


PHOTO_PAYMENT_PENDING_MESSAGE = (
    "A payment for this photo is still being confirmed. Check My orders before paying again."
)

# How long a duplicate request waits for the first attempt's outcome before 409.
DUPLICATE_WAIT_SECONDS = 3.0


def order_place(*, user: User, product_id: int, token: str, idempotency_key: str | None = None) -> Order:
    """Record an order for a photo and charge the shopper's card for it, once.

    A request repeating an earlier one (same Idempotency-Key, or same Stripe
    token) answers with the earlier outcome instead of charging again.
    """
    earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
    if earlier is not None:
        return _order_replay(order=earlier, user=user)
    product = product_get_on_sale(product_id=product_id)
    if product is None:
        raise OrderInvalid("Unknown product: this photo is not for sale.")
    try:
        with transaction.atomic():
            # One new order at a time per shopper: the checks below and the insert
            # can't interleave with another request's (two tabs, two keys).
            User.objects.select_for_update().get(pk=user.pk)
            earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
            if earlier is None:
                pending = Order.objects.filter(user=user, product=product, paymentstatus=Order.Status.UNPAID).first()
                if pending is not None:
                    # Its charge may have gone through: don't let a second one follow it.
                    raise OrderInProgress(PHOTO_PAYMENT_PENDING_MESSAGE, extra={"order_id": pending.pk})
                order = Order.objects.create(
                    user=user,
                    product=product,
                    price=product.price,
                    currency=product.currency,
                    idempotency_key=idempotency_key,
                    stripe_token=token,
                )
    except IntegrityError:
        # A duplicate of another shopper's token, recorded concurrently: its outcome answers.
        earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
        if earlier is None:
            raise
    if earlier is not None:
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


def _order_claim_charge(*, order: Order, customer_id: str) -> bool:
    """Mark the order as being charged, under a row lock; False if someone else already did."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus != Order.Status.UNPAID or locked.charge_attempted_at is not None:
            return False
        locked.charge_attempted_at = timezone.now()
        locked.stripe_customer_id = customer_id
        locked.save(update_fields=["charge_attempted_at", "stripe_customer_id", "updated_at"])
    return True


def _user_stripe_customer(*, user: User, replacing: str = "") -> str:
    """Return the shopper's Stripe Customer id, creating the customer once (or again, `replacing` a lost one)."""
    user.refresh_from_db(fields=["stripe_customer_id"])
    if user.stripe_customer_id and user.stripe_customer_id != replacing:
        return user.stripe_customer_id
    customer = payments.customer_create(
        user_id=user.pk,
        email=user.email,
        name=f"{user.first_name} {user.last_name}".strip(),
        replacing=replacing,
    )
    # Keep the first one remembered if two purchases raced to create it.
    User.objects.filter(pk=user.pk, stripe_customer_id=user.stripe_customer_id).update(stripe_customer_id=customer.id)
    user.refresh_from_db(fields=["stripe_customer_id"])
    return user.stripe_customer_id


def _order_card_attach(*, order: Order, token: str) -> tuple[str, payments.Card]:
    """Attach the token's card to the shopper's customer; return (customer id, card).

    A customer remembered here but gone from Stripe (deleted, or from another
    Stripe account or mode) is replaced once, rather than blamed on the card.
    """
    customer_id = _user_stripe_customer(user=order.user)
    try:
        card = payments.card_attach(customer_id=customer_id, token=token, idempotency_key=f"order-{order.pk}-card")
    except payments.PaymentDeclined:
        if payments.customer_exists(customer_id=customer_id):
            raise
        logger.warning("Stripe customer %s of user %s is gone; creating another", customer_id, order.user_id)
        customer_id = _user_stripe_customer(user=order.user, replacing=customer_id)
        card = payments.card_attach(customer_id=customer_id, token=token, idempotency_key=f"order-{order.pk}-card-2")
    return customer_id, card


def order_charge(*, order: Order, token: str) -> Order:
    """Charge the card behind `token` for a recorded UNPAID order and record the outcome."""
    product: Product = order.product
    try:
        customer_id, card = _order_card_attach(order=order, token=token)
        if not _order_claim_charge(order=order, customer_id=customer_id):
            order.refresh_from_db()
            return _order_outcome(order=order)
        result = payments.charge(
            customer_id=customer_id,
            card_id=card.id,
            amount=order.amount_minor_units,
            currency=order.currency,
            description=f"FrameSeller photo: {product.title}",
            metadata={"order_id": str(order.pk), "product_id": str(product.pk), "email": order.user.email},
            idempotency_key=f"order-{order.pk}",
        )
    except payments.PaymentDeclined as declined:
        order = order_mark_failed(order=order, reason=declined.message)
    except payments.PaymentRejected as rejected:
        # Nothing was charged, but as the contract asks the order stays
        # UNPAID and reconciliation settles it.
        order_mark_outcome_unknown(order=order)
        raise OrderPaymentRejected(rejected.message, extra={"order_id": order.pk}) from rejected
    except payments.PaymentUnavailable:
        logger.warning("Payment outcome unknown for order %s; left UNPAID for reconciliation", order.pk)
        order = order_mark_outcome_unknown(order=order)
    else:
        order = order_mark_paid(order=order, charge_id=result.id)
    return _order_outcome(order=order)


def _order_transition(
    *, order: Order, allowed_from: tuple[str, ...] = (Order.Status.UNPAID,), unattempted_only: bool = False, **changes
) -> Order:
    """Apply changes under a row lock if the order is still in an allowed state; otherwise leave it."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paymentstatus in allowed_from and not (unattempted_only and locked.charge_attempted_at):
            if locked.paymentstatus == Order.Status.FAILED and changes.get("paymentstatus") == Order.Status.PAID:
                logger.warning(
                    "Order %s was FAILED but its charge %s succeeded: now PAID", order.pk, changes["stripe_charge_id"]
                )
            for field, value in changes.items():
                setattr(locked, field, value)
            locked.save()
    order.refresh_from_db()
    return order


def order_mark_paid(*, order: Order, charge_id: str) -> Order:
    """Record a successful charge: UNPAID (or a FAILED verdict the charge proves wrong) becomes PAID."""
    return _order_transition(
        order=order,
        allowed_from=(Order.Status.UNPAID, Order.Status.FAILED),
        paymentstatus=Order.Status.PAID,
        stripe_charge_id=charge_id,
        failure_reason="",
        outcome_unknown=False,
    )


def order_mark_failed(*, order: Order, reason: str, charge_id: str = "", unattempted_only: bool = False) -> Order:
    """Record a refused payment: UNPAID becomes FAILED, with Stripe's message."""
    return _order_transition(
        order=order,
        unattempted_only=unattempted_only,
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
    order.refresh_from_db()
    if order.paymentstatus != Order.Status.UNPAID:
        return order
    if order.charge_attempted_at is None:
        # The charge was never sent, and (under the lock) still isn't: nothing was charged.
        return order_mark_failed(
            order=order, reason="The payment was not completed; nothing was charged.", unattempted_only=True
        )
    found = payments.charge_find(
        customer_id=order.stripe_customer_id, order_id=str(order.pk), since=order.charge_attempted_at
    )
    if found is None:
        return order_mark_failed(order=order, reason="No payment was received for this order; nothing was charged.")
    if found.paid:
        return order_mark_paid(order=order, charge_id=found.id)
    if found.status == "pending":
        return order
    return order_mark_failed(order=order, reason=found.failure_message or "Your card was declined.", charge_id=found.id)


def order_reconcile_stale(*, older_than: timedelta | None = None) -> list[tuple[Order, str]]:
    """Settle every UNPAID order left alone for longer than `older_than`; return (order, what happened) pairs.

    Age counts from the charge attempt when there was one, so an order whose
    charge is still in flight is never judged.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    stale = Order.objects.filter(paymentstatus=Order.Status.UNPAID).filter(
        Q(charge_attempted_at__isnull=True, orderdate__lt=cutoff) | Q(charge_attempted_at__lt=cutoff)
    )
    results = []
    for order in stale.order_by("id"):
        try:
            settled = order_reconcile(order=order)
        except payments.PaymentError as error:
            results.append((order, f"skipped, left UNPAID: {error.message}"))
            continue
        outcome = settled.paymentstatus
        if outcome == Order.Status.UNPAID:
            outcome = "UNPAID (its charge is still pending or in flight)"
        results.append((settled, outcome))
    return results
