"""Place an order for a photo and charge it, once.

A purchase goes through these phases, each a function below, in this order:

1. `_order_record`: under the shopper's row lock, a repeated request (same
   Idempotency-Key, or same Stripe token: `_order_find_earlier`) is sent to
   the first attempt's outcome (`_order_replay`) instead of charging again;
   otherwise the purchase takes a place among those waiting on Stripe
   (orders.capacity: refused there, it records nothing and is answered 503
   with a Retry-After) and the order is recorded UNPAID and committed, one new
   order at a time per shopper;
2. `order_charge`: the card is attached to the shopper's Stripe Customer, the
   order is claimed under a row lock (only the claimer sends the payment), the
   payment is sent once (a Charge, or a PaymentIntent with
   STRIPE_PAYMENT_FLOW=payment_intents: orders.payment_intents) and the
   outcome recorded (orders.settlement; what follows payment, the receipt
   included, is orders.after_payment's, after the commit);
3. `_order_outcome`: the order's state becomes the answer (a `Purchase`: paid,
   or awaiting 3-D Secure), or the error that describes it.

No database transaction is held open across a call to Stripe. The payment is
never sent twice: only the request that claimed the order under its row lock
(`_order_claim_charge`, which sets `charge_attempted_at` once and for all)
sends it, with the order's idempotency key, and a request to create it is not
retried (only reads are). A payment whose answer was lost is settled by
reading Stripe, in reconciliation (orders.reconciliation), never by sending
another.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
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
    DatabaseUnavailableDuringPayment,
    OrderAlreadyOwned,
    OrderInProgress,
    OrderInvalid,
    OrderKeyReused,
    OrderPaymentDeclined,
    OrderPaymentPending,
    OrderPaymentRejected,
    OrderPhotoPaymentPending,
)
from orders.ledger import payment_event_record
from orders.models import Order, PaymentEvent
from orders.payment_intents import Purchase, order_authentication_ask, order_payment_intent_settle
from orders.settlement import order_locked, order_mark_failed, order_mark_outcome_unknown, order_mark_paid

logger = logging.getLogger(__name__)

# How long a duplicate request waits for the first attempt's outcome before 409.
DUPLICATE_WAIT_SECONDS = 3.0


def order_place(
    *, user: User, product_id: int, token: str, idempotency_key: str | None = None, client_address: str = ""
) -> Purchase:
    """Record an order for a photo and charge the shopper's card for it, once; return the paid purchase.

    Or the purchase awaiting the shopper's 3-D Secure authentication; any other
    outcome raises the error that describes it (orders.errors).
    """
    product = product_get_on_sale(product_id=product_id)
    if product is None:
        # A repeat of a purchase whose photo has left the catalog since still answers its outcome.
        earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
        if earlier is not None:
            return _order_replay(order=earlier, user=user, product_id=product_id, idempotency_key=idempotency_key)
        raise OrderInvalid("Unknown product: this photo is not for sale.")
    order, slot = _order_record(
        user=user, product=product, token=token, idempotency_key=idempotency_key, client_address=client_address
    )
    if slot is None:
        return _order_replay(order=order, user=user, product_id=product_id, idempotency_key=idempotency_key)
    with slot:
        return order_charge(order=order, token=token, slot=slot)


def _order_find_earlier(*, user: User, token: str, idempotency_key: str | None) -> Order | None:
    """Return the order an earlier request with this key (the shopper's) or this token (anyone's) made.

    One query: each condition matches one order at most (both are unique), and the key's wins.
    """
    same = Q(stripe_token=token)
    if idempotency_key:
        same |= Q(user=user, idempotency_key=idempotency_key)
    found = list(Order.objects.filter(same).order_by())
    for order in found:
        if idempotency_key and order.user_id == user.pk and order.idempotency_key == idempotency_key:
            return order
    return found[0] if found else None


def _order_record(
    *, user: User, product: Product, token: str, idempotency_key: str | None, client_address: str = ""
) -> tuple[Order, PurchaseSlot | None]:
    """Record a new UNPAID order with its place among the purchases; or find the earlier one (no place).

    Return (order, its place, released by leaving its `with` block) or, for a repeated request,
    (the earlier order, None). The shopper's row is locked so that the checks and the insert can't
    interleave with another of their requests (two tabs, two keys): a repeat waits for the first
    attempt's order and never takes a place. A purchase refused a place (OrderPaymentBusy) records
    nothing. A duplicate recorded concurrently by another shopper (the same token) is caught by the
    database's unique constraint.
    """
    slot = None
    try:
        with transaction.atomic():
            # The Stripe customer comes fresh with the lock, for the payment to use (orders.customers).
            user.stripe_customer_id = User.objects.select_for_update().get(pk=user.pk).stripe_customer_id
            earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
            if earlier is not None:
                return earlier, None
            blocking = _order_blocking_ids(user=user, product=product)
            if Order.Status.UNPAID in blocking:
                # Its charge may have gone through: don't let a second one follow it.
                raise OrderPhotoPaymentPending(extra={"order_id": blocking[Order.Status.UNPAID]})
            if Order.Status.PAID in blocking:
                # Bought already: nothing to charge. (After a refund it is REFUNDED, and can be bought again.)
                raise OrderAlreadyOwned(extra={"order_id": blocking[Order.Status.PAID]})
            slot = purchase_slot()  # or OrderPaymentBusy: the transaction records nothing
            order = Order.objects.create(
                user=user,
                product=product,
                price=product.price,
                currency=product.currency,
                idempotency_key=idempotency_key,
                stripe_token=token,
                installation=settings.FRAMESELLER_INSTALLATION,
                # Where the purchase came from (the trusted proxies' view), dispute evidence.
                client_address=client_address[:64],
            )
        return order, slot
    except BaseException as error:
        if slot is not None:  # admitted, but nothing was recorded: give the place back
            slot.unused()
            slot.__exit__(None, None, None)
        if not isinstance(error, IntegrityError):
            raise
        earlier = _order_find_earlier(user=user, token=token, idempotency_key=idempotency_key)
        if earlier is None:
            raise
        return earlier, None


def _order_blocking_ids(*, user: User, product: Product) -> dict[str, int]:
    """Return {status: the newest order id} of the shopper's UNPAID and PAID orders of the photo, in one query."""
    rows = (
        Order.objects.filter(user=user, product=product, status__in=[Order.Status.UNPAID, Order.Status.PAID])
        .order_by()  # no sort: the few rows come straight from order_user_status_product_idx
        .values_list("status", "pk")
    )
    found: dict[str, int] = {}
    for status, pk in rows:
        found[status] = max(pk, found.get(status, pk))
    return found


def _order_replay(*, order: Order, user: User, product_id: int, idempotency_key: str | None) -> Purchase:
    """Answer a repeated request with the first attempt's outcome, waiting briefly for it.

    A repeat must be the same purchase: the same key (or token) for another
    photo is refused, charging nothing, as Stripe refuses a key reused with
    other parameters. (The token may differ: a retry makes a new one.)
    """
    if order.user_id != user.pk:
        raise OrderInvalid("This payment token has already been used. Please enter your card again.")
    if order.product_id != product_id:
        if idempotency_key and order.idempotency_key == idempotency_key:
            raise OrderKeyReused(extra={"order_id": order.pk})
        raise OrderInvalid("This payment token has already been used. Please enter your card again.")
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while (
        order.status == Order.Status.UNPAID
        and not order.outcome_unknown
        and not order.awaiting_authentication
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
        order.refresh_from_db(fields=_ORDER_OUTCOME_FIELDS)
    if order.awaiting_authentication:
        return order_authentication_ask(order=order)
    return _order_outcome(order=order)


# What `_order_replay` waits on and `_order_outcome` reads.
_ORDER_OUTCOME_FIELDS = ["status", "outcome_unknown", "awaiting_authentication", "failure_reason"]


def order_charge(*, order: Order, token: str, slot: PurchaseSlot) -> Purchase:
    """Charge the card behind `token` for a recorded UNPAID order and record the outcome.

    `slot` is the purchase's place among those waiting on Stripe (orders.capacity),
    taken with the order; it learns whether Stripe answered.
    """
    try:
        purchase = _order_pay(order=order, token=token, slot=slot)
    except DatabaseError as error:
        # The card may have been charged and the outcome could not be recorded:
        # reconciliation settles the order once the database is back.
        logger.error("Database unavailable during the payment of order %s: %s", order.pk, error)
        raise DatabaseUnavailableDuringPayment(extra={"order_id": order.pk}) from error
    if purchase.awaits_authentication:
        return purchase
    return _order_outcome(order=order)


def _order_pay(*, order: Order, token: str, slot: PurchaseSlot) -> Purchase:
    """Attach the card, claim the order, send its payment; return the purchase with the outcome recorded."""
    try:
        customer_id, card = user_card_attach(user=order.user, token=token, idempotency_key=f"order-{order.pk}-card")
        if not _order_claim_charge(order=order, customer_id=customer_id, card=card):
            return Purchase(order=order)
        payment = _order_payment(order=order, customer_id=customer_id, card=card)
        if settings.STRIPE_PAYMENT_FLOW == "payment_intents":
            intent = payments.payment_intent_create(**payment, idempotency_key=f"order-{order.pk}-pi")
            order_payment_intent_settle(order=order, intent=intent)
            return Purchase(order=order, client_secret=intent.client_secret if order.awaiting_authentication else "")
        charge = payments.charge(**payment, idempotency_key=f"order-{order.pk}")
    except payments.PaymentDeclined as declined:
        return Purchase(order=order_mark_failed(order=order, reason=_declined_reason(declined)))
    except payments.PaymentRejected as rejected:
        # Nothing was charged, but as the contract asks the order stays
        # UNPAID and reconciliation settles it.
        order_mark_outcome_unknown(order=order)
        raise OrderPaymentRejected(extra={"order_id": order.pk}) from rejected
    except payments.PaymentUnavailable:
        slot.unavailable()
        logger.warning("Payment outcome unknown for order %s; left UNPAID for reconciliation", order.pk)
        return Purchase(order=order_mark_outcome_unknown(order=order))
    return Purchase(order=order_mark_paid(order=order, charge_id=charge.id))


def _order_claim_charge(*, order: Order, customer_id: str, card: payments.Card | None = None) -> bool:
    """Mark the order as being charged, under a row lock; False if someone else already did."""
    with order_locked(order) as locked:
        if locked.status != Order.Status.UNPAID or locked.charge_attempted_at is not None:
            return False
        locked.charge_attempted_at = timezone.now()
        locked.stripe_customer_id = customer_id
        if card is not None:
            locked.card_brand, locked.card_last4 = card.brand[:32], card.last4[:4]
        locked.save()
        payment_event_record(
            order=locked,
            kind=PaymentEvent.Kind.ATTEMPT,
            amount=locked.amount_minor_units,
            detail=f"{settings.STRIPE_PAYMENT_FLOW} for customer {customer_id}",
        )
    return True


def _order_payment(*, order: Order, customer_id: str, card: payments.Card) -> dict:
    """The payment to ask Stripe for, as a Charge or a PaymentIntent: the order's server-side price, its metadata.

    Sent only by the request that claimed the order (`_order_claim_charge`), so
    at most once per order: there is no earlier payment of the order to look
    for on Stripe.
    """
    return {
        "customer_id": customer_id,
        "card_id": card.id,
        "amount": order.amount_minor_units,
        "currency": order.currency,
        "description": f"FrameSeller photo: {order.product.title}",
        # What Stripe keeps with the payment: the order, the photo, the shopper, and this installation.
        "metadata": {
            "order_id": str(order.pk),
            "product_id": str(order.product_id),
            "email": order.user.email,
            "installation": order.installation,
        },
    }


def _declined_reason(declined: payments.PaymentDeclined) -> str:
    """Return Stripe's message for the shopper, or ours when Stripe gave none."""
    if declined.message:
        return declined.message
    return CARD_UNUSABLE_MESSAGE if isinstance(declined, payments.CardUnusable) else DECLINED_MESSAGE


def _order_outcome(*, order: Order) -> Purchase:
    """Return the purchase of a PAID order, or raise the error that describes the order's state.

    An order awaiting 3-D Secure is answered by its callers, who have (or ask
    Stripe for) the client secret; here it is still in progress.
    """
    extra = {"order_id": order.pk}
    match order.status:
        case Order.Status.PAID:
            return Purchase(order=order)
        case Order.Status.FAILED:
            raise OrderPaymentDeclined(order.failure_reason or None, extra=extra)
        case Order.Status.REFUNDED:
            raise OrderInvalid("This order was refunded.", extra=extra)
    if order.outcome_unknown:
        raise OrderPaymentPending(extra=extra)
    raise OrderInProgress(extra=extra)
