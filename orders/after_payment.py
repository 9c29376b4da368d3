"""What follows payment: the one road every order takes when it becomes PAID, whichever path paid it.

The purchase, a 3-D Secure confirmation, a webhook and reconciliation all make an
order PAID through one transition, `orders.settlement.order_mark_paid`, which
announces it here under the order's row lock, exactly once per order: racing
paths find it PAID already and announce nothing. What follows payment (the
receipt today, the licence and anything later) connects to `order_paid` once, in
`OrdersConfig.ready`, and is delivered after the transaction that made the order
PAID commits: a rolled-back payment record is followed by nothing. Each follower
runs on its own: one that fails is logged and never stops the others nor undoes
the payment (the receipt's own retry is `reconcile_orders`).
"""

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from orders.models import Order

logger = logging.getLogger(__name__)

# Sent with `order` (the PAID order, its shopper and photo at hand) and `by` (the path that paid it).
order_paid = Signal()


def order_paid_announce(*, order: Order, by: str) -> None:
    """Deliver `order_paid` for `order` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_order_paid_deliver, order=order, by=by), robust=True)


def _order_paid_deliver(*, order: Order, by: str) -> None:
    for receiver, result in order_paid.send_robust(sender=Order, order=order, by=by):
        if isinstance(result, Exception):
            logger.error(
                "After the payment of order %s, %s failed",
                order.pk,
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )
