"""Settle orders whose payment outcome is unknown by asking Stripe what happened.

Run by `manage.py reconcile_orders` (a timer on every instance): idempotent,
safe to run concurrently, never judging an order whose charge may still be in
flight.

An order is settled only with a payment whose metadata names it *and* this
installation, made to the Stripe customer the order recorded: an `order_id`
alone never settles it (two installations may share one Stripe account). An
order found with more than one succeeded payment keeps one; the others are
refunded (orders.refunds), each recorded in the order's ledger.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from orders import payments
from orders.errors import DECLINED_MESSAGE
from orders.models import Order
from orders.refunds import order_refund_extra_charge
from orders.settlement import order_mark_failed, order_mark_paid

logger = logging.getLogger(__name__)

NEVER_CHARGED_REASON = "The payment was not completed; nothing was charged."
NO_PAYMENT_REASON = "No payment was received for this order; nothing was charged."


def _order_payments(*, order: Order) -> tuple[list[payments.Charge], list[payments.PaymentIntent]]:
    """Return this order's charges and PaymentIntents on Stripe (this installation's, this customer's)."""
    charges = payments.charges_for_order(
        customer_id=order.stripe_customer_id,
        order_id=str(order.pk),
        installation=order.installation,
        since=order.charge_attempted_at or order.ordered_at,
    )
    intents = []
    if settings.STRIPE_PAYMENT_FLOW == "payment_intents" or order.stripe_payment_intent_id:
        intents = payments.payment_intents_for_order(
            customer_id=order.stripe_customer_id, order_id=str(order.pk), installation=order.installation
        )
    # A PaymentIntent's charge is counted once, as the PaymentIntent's.
    return [c for c in charges if not c.payment_intent], intents


def order_reconcile(*, order: Order) -> Order:
    """Settle an UNPAID order from the payments Stripe holds for it; refund any beyond the first."""
    order.refresh_from_db()
    if order.status != Order.Status.UNPAID:
        return order
    if order.charge_attempted_at is None:
        # The charge was never sent, and (under the lock) still isn't: nothing was charged.
        return order_mark_failed(order=order, reason=NEVER_CHARGED_REASON, unattempted_only=True)
    charges, intents = _order_payments(order=order)
    # (charge id, PaymentIntent id, amount) of every payment that took money.
    kept = [(c.id, "", c.amount) for c in charges if c.kept]
    kept += [(i.latest_charge, i.id, order.amount_minor_units) for i in intents if i.paid]
    if kept:
        charge_id, intent_id, _ = kept[0]
        order = order_mark_paid(order=order, charge_id=charge_id, payment_intent_id=intent_id, by="reconciliation")
        order_refund_duplicates(order=order, kept=kept)
        return order
    if any(c.status == "pending" for c in charges) or any(
        i.status in ("processing", "requires_action") for i in intents
    ):
        return order  # still in flight, or waiting for the shopper's authentication
    failed = charges[-1] if charges else None
    if failed is None and not intents:
        return order_mark_failed(order=order, reason=NO_PAYMENT_REASON)
    reason = (failed.failure_message if failed else intents[-1].failure_message) or DECLINED_MESSAGE
    return order_mark_failed(order=order, reason=reason, charge_id=failed.id if failed else "")


def order_refund_duplicates(*, order: Order, kept: list[tuple[str, str, int]]) -> int:
    """Refund every payment in `kept` but the one the order recorded; return how many were refunded now."""
    order.refresh_from_db()
    if len(kept) < 2:
        return 0
    logger.warning(
        "Order %s has %d succeeded payments: refunding all but %s", order.pk, len(kept), order.stripe_charge_id
    )
    return sum(
        order_refund_extra_charge(order=order, charge_id=charge_id, amount=amount)
        for charge_id, _intent, amount in kept
        if charge_id != order.stripe_charge_id
    )


def order_reconcile_stale(*, older_than: timedelta | None = None) -> list[tuple[Order, str]]:
    """Settle every UNPAID order left alone for longer than `older_than`; return (order, what happened) pairs.

    Age counts from the charge attempt when there was one, so an order whose
    charge is still in flight is never judged.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    stale = Order.objects.filter(status=Order.Status.UNPAID).filter(
        Q(charge_attempted_at__isnull=True, ordered_at__lt=cutoff) | Q(charge_attempted_at__lt=cutoff)
    )
    results = []
    for order in stale.order_by("id"):
        try:
            settled = order_reconcile(order=order)
        except payments.PaymentError as error:
            results.append((order, f"skipped, left UNPAID: {error.message}"))
            continue
        outcome = settled.status
        if outcome == Order.Status.UNPAID:
            outcome = "UNPAID (its payment is still pending, in flight or awaiting authentication)"
        results.append((settled, outcome))
    return results
