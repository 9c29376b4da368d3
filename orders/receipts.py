"""Email the shopper one receipt for each order that becomes PAID, whichever path paid it."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils import timezone

from orders.ledger import payment_event_record
from orders.models import Order, PaymentEvent

logger = logging.getLogger(__name__)


def order_receipt_follow_payment(*, order: Order, **_) -> None:
    """Send the receipt of an order that just became PAID (an `orders.after_payment.order_paid` follower)."""
    order_receipt_send(order=order)


def order_receipt_send(*, order: Order) -> bool:
    """Send the receipt of a PAID order unless one was sent; return whether this call sent it.

    The receipt is claimed before the mail goes out, in one conditional update,
    so that two paths finding the order PAID (the payment's follower and
    `reconcile_orders`' retry) send one receipt. A mail service that fails
    releases the claim for the next run of `reconcile_orders`; a failure never
    undoes the payment.
    """
    claimed_at = timezone.now()
    try:
        claimed = Order.objects.filter(pk=order.pk, status=Order.Status.PAID, receipt_sent_at__isnull=True).update(
            receipt_sent_at=claimed_at
        )
    except DatabaseError:
        logger.exception("Receipt of order %s not sent: the database is unavailable", order.pk)
        return False
    if not claimed:
        return False
    try:
        send_mail(
            subject=f"Your FrameSeller receipt: order #{order.pk}",
            message=render_to_string("orders/receipt_email.txt", _receipt_context(order)),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[order.user.email],
        )
    except (OSError, smtplib.SMTPException):
        logger.exception("Receipt of order %s not sent; reconcile_orders will try again", order.pk)
        Order.objects.filter(pk=order.pk, receipt_sent_at=claimed_at).update(receipt_sent_at=None)
        return False
    order.receipt_sent_at = claimed_at
    payment_event_record(order=order, kind=PaymentEvent.Kind.RECEIPT_SENT, detail=f"to {order.user.email}")
    return True


def _receipt_context(order: Order) -> dict:
    return {
        "order": order,
        "title": order.product.title or order.product.description,
        "amount": f"{order.price:.2f} {order.currency.upper()}",
        "date": order.ordered_at.strftime("%Y-%m-%d %H:%M UTC"),
        "card": f"{order.card_brand or 'Card'} ending in {order.card_last4}" if order.card_last4 else "",
        "orders_url": settings.SHOP_URL.rstrip("/") + "/#/orders",
        "first_name": order.user.first_name,
    }


def order_receipts_send_pending() -> int:
    """Send the receipts a failed mail service left unsent (orders paid since the ledger began); return how many."""
    pending = Order.objects.filter(
        status=Order.Status.PAID, receipt_sent_at__isnull=True, payment_events__kind=PaymentEvent.Kind.PAID
    ).distinct()
    return sum(order_receipt_send(order=order) for order in pending.select_related("user", "product").order_by("id"))
