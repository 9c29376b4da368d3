"""Settle orders whose payment outcome is unknown by asking Stripe what happened.

Run by `manage.py reconcile_orders` (a timer on every instance): idempotent,
safe to run concurrently, never judging an order whose charge may still be in
flight.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from orders import payments
from orders.errors import DECLINED_MESSAGE
from orders.models import Order
from orders.settlement import order_mark_failed, order_mark_paid

NEVER_CHARGED_REASON = "The payment was not completed; nothing was charged."
NO_PAYMENT_REASON = "No payment was received for this order; nothing was charged."


def order_reconcile(*, order: Order) -> Order:
    """Settle an UNPAID order by asking Stripe for the charge that carries its id."""
    order.refresh_from_db()
    if order.status != Order.Status.UNPAID:
        return order
    if order.charge_attempted_at is None:
        # The charge was never sent, and (under the lock) still isn't: nothing was charged.
        return order_mark_failed(order=order, reason=NEVER_CHARGED_REASON, unattempted_only=True)
    found = payments.charge_find(
        customer_id=order.stripe_customer_id, order_id=str(order.pk), since=order.charge_attempted_at
    )
    if found is None:
        return order_mark_failed(order=order, reason=NO_PAYMENT_REASON)
    if found.paid:
        return order_mark_paid(order=order, charge_id=found.id)
    if found.status == "pending":
        return order
    return order_mark_failed(order=order, reason=found.failure_message or DECLINED_MESSAGE, charge_id=found.id)


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
            outcome = "UNPAID (its charge is still pending or in flight)"
        results.append((settled, outcome))
    return results
