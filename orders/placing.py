"""Place an order for a photo and charge it, once.

A purchase goes through these phases, each a function below, in this order:

1. `_order_find_earlier`: a repeated request (same Idempotency-Key, or same
   Stripe token) answers the first attempt's outcome instead of charging again;
2. `_order_record`: the order is recorded UNPAID and committed, one new order
   at a time per shopper;
3. `order_charge`: the card is attached to the shopper's Stripe Customer, the
   order is claimed under a row lock (only the claimer sends the charge), the
   card is charged, and the outcome recorded (orders.settlement);
4. `_order_outcome`: the order's state becomes the answer, or the error that
   describes it.

No database transaction is held open across a call to Stripe.
"""

import logging
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Product
from catalog.selectors import product_get_on_sale
from orders import payments
from orders.capacity import PurchaseSlot, purchase_slot
from orders.customers import user_card_attach
from orders.errors import (
    CARD_UNUSABLE_MESSAGE,
    DECLINED_MESSAGE,
    OrderAlreadyOwned,
    OrderInProgress,
    OrderInvalid,
    OrderPaymentBusy,
    OrderPaymentDeclined,
    OrderPaymentPending,
    OrderPaymentRejected,
    OrderPhotoPaymentPending,
)
from orders.models import Order
from orders.settlement import order_mark_failed, order_mark_outcome_unknown, order_mark_paid

logger = logging.getLogger(__name__)

# How long a duplicate request waits for the first attempt's outcome before 409.
DUPLICATE_WAIT_SECONDS = 3.0


def order_place(*, user: User, product_id: int, token: str, idempotency_key: str | None = None) -> Order:
    """Record an order for a photo and charge the shopper's card for it, once."""
    earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
    if earlier is not None:
        return _order_replay(order=earlier, user=user)
    product = product_get_on_sale(product_id=product_id)
    if product is None:
        raise OrderInvalid("Unknown product: this photo is not for sale.")
    order, created = _order_record(user=user, product=product, token=token, idempotency_key=idempotency_key)
    if not created:
        return _order_replay(order=order, user=user)
    return order_charge(order=order, token=token)


def _order_find_earlier(*, user: User, token: str, idempotency_key: str | None) -> Order | None:
    """Return the order an earlier request with this key (the shopper's) or this token (anyone's) made."""
    if idempotency_key:
        order = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if order is not None:
            return order
    return Order.objects.filter(stripe_token=token).first()


def _order_record(*, user: User, product: Product, token: str, idempotency_key: str | None) -> tuple[Order, bool]:
    """Record a new UNPAID order; return (order, True), or (the earlier order, False) for a repeated request.

    The shopper's row is locked so that the checks and the insert can't
    interleave with another of their requests (two tabs, two keys). A
    duplicate recorded concurrently by another shopper (the same token) is
    caught by the database's unique constraint.
    """
    try:
        with transaction.atomic():
            User.objects.select_for_update().get(pk=user.pk)
            earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
            if earlier is not None:
                return earlier, False
            pending = Order.objects.filter(user=user, product=product, status=Order.Status.UNPAID).first()
            if pending is not None:
                # Its charge may have gone through: don't let a second one follow it.
                raise OrderPhotoPaymentPending(extra={"order_id": pending.pk})
            owned = Order.objects.filter(user=user, product=product, status=Order.Status.PAID).first()
            if owned is not None:
                # Bought already: nothing to charge. (After a refund it is REFUNDED, and can be bought again.)
                raise OrderAlreadyOwned(extra={"order_id": owned.pk})
            order = Order.objects.create(
                user=user,
                product=product,
                price=product.price,
                currency=product.currency,
                idempotency_key=idempotency_key,
                stripe_token=token,
            )
            return order, True
    except IntegrityError:
        earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
        if earlier is None:
            raise
        return earlier, False


def _order_replay(*, order: Order, user: User) -> Order:
    """Answer a repeated request with the first attempt's outcome, waiting briefly for it."""
    if order.user_id != user.pk:
        raise OrderInvalid("This payment token has already been used. Please enter your card again.")
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while order.status == Order.Status.UNPAID and not order.outcome_unknown and time.monotonic() < deadline:
        time.sleep(0.1)
        order.refresh_from_db()
    return _order_outcome(order=order)


def order_charge(*, order: Order, token: str) -> Order:
    """Charge the card behind `token` for a recorded UNPAID order and record the outcome.

    Refused at once, charging nothing, when too many purchases already wait on
    Stripe or Stripe has been failing (orders.capacity).
    """
    try:
        with purchase_slot() as slot:
            order = _order_pay(order=order, token=token, slot=slot)
    except OrderPaymentBusy:
        # Refused before any call to Stripe: nothing was charged.
        order_mark_failed(order=order, reason=OrderPaymentBusy.default_message, unattempted_only=True)
        raise OrderPaymentBusy(extra={"order_id": order.pk}) from None
    return _order_outcome(order=order)


def _order_pay(*, order: Order, token: str, slot: PurchaseSlot) -> Order:
    """Attach the card, claim the order, charge it; return the order with the outcome recorded."""
    try:
        customer_id, card = user_card_attach(user=order.user, token=token, idempotency_key=f"order-{order.pk}-card")
        if not _order_claim_charge(order=order, customer_id=customer_id):
            order.refresh_from_db()
            return order
        charge = _order_send_charge(order=order, customer_id=customer_id, card=card)
    except payments.PaymentDeclined as declined:
        return order_mark_failed(order=order, reason=_declined_reason(declined))
    except payments.PaymentRejected as rejected:
        # Nothing was charged, but as the contract asks the order stays
        # UNPAID and reconciliation settles it.
        order_mark_outcome_unknown(order=order)
        raise OrderPaymentRejected(extra={"order_id": order.pk}) from rejected
    except payments.PaymentUnavailable:
        slot.unavailable()
        logger.warning("Payment outcome unknown for order %s; left UNPAID for reconciliation", order.pk)
        return order_mark_outcome_unknown(order=order)
    return order_mark_paid(order=order, charge_id=charge.id)


def _order_claim_charge(*, order: Order, customer_id: str) -> bool:
    """Mark the order as being charged, under a row lock; False if someone else already did."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.UNPAID or locked.charge_attempted_at is not None:
            return False
        locked.charge_attempted_at = timezone.now()
        locked.stripe_customer_id = customer_id
        locked.save(update_fields=["charge_attempted_at", "stripe_customer_id", "updated_at"])
    return True


def _order_send_charge(*, order: Order, customer_id: str, card: payments.Card) -> payments.Charge:
    """Charge the order's server-side price, with its metadata on Stripe."""
    product: Product = order.product
    return payments.charge(
        customer_id=customer_id,
        card_id=card.id,
        amount=order.amount_minor_units,
        currency=order.currency,
        description=f"FrameSeller photo: {product.title}",
        metadata={"order_id": str(order.pk), "product_id": str(product.pk), "email": order.user.email},
        idempotency_key=f"order-{order.pk}",
    )


def _declined_reason(declined: payments.PaymentDeclined) -> str:
    """Return Stripe's message for the shopper, or ours when Stripe gave none."""
    if declined.message:
        return declined.message
    return CARD_UNUSABLE_MESSAGE if isinstance(declined, payments.CardUnusable) else DECLINED_MESSAGE


def _order_outcome(*, order: Order) -> Order:
    """Return a paid order, or raise the error that describes its state."""
    extra = {"order_id": order.pk}
    match order.status:
        case Order.Status.PAID:
            return order
        case Order.Status.FAILED:
            raise OrderPaymentDeclined(order.failure_reason or None, extra=extra)
        case Order.Status.REFUNDED:
            raise OrderInvalid("This order was refunded.", extra=extra)
    if order.outcome_unknown:
        raise OrderPaymentPending(extra=extra)
    raise OrderInProgress(extra=extra)
