"""Email the shopper one receipt for each order that becomes PAID, whichever path paid it.

The payment's follower only enqueues a task (`orders.tasks.order_receipt_task`); the worker sends
the mail. A task may run again after its worker died, and `reconcile_orders` sends what is still
unsent, so the send is guarded by a claim on the order:

- `receipt_sent_at` is claimed, in one conditional update, before the mail goes out: one sender
  at a time;
- the mail is recorded sent (a `receipt_sent` ledger row) as soon as the SMTP server accepted it,
  before the connection is closed;
- a claim with no ledger row after EMAIL_SEND_LEASE_SECONDS belongs to a sender that died: it is
  taken over and the mail sent again. A fresher claim is another sender at work: the caller
  tries later (`ReceiptDeferred`);
- a mail service that fails releases the claim at once, for the next try.

So a receipt is sent at least once, and twice only if its sender dies between the server's
acceptance and the ledger row (no network call in between); both carry the same Message-ID,
which mail services use to recognise the repeat.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from orders.ledger import payment_event_record
from orders.models import Order, PaymentEvent

logger = logging.getLogger(__name__)


class ReceiptDeferred(Exception):
    """The receipt could not be sent now (the mail service failed, or another sender holds it): try later."""


def order_receipt_follow_payment(*, order: Order, **_) -> None:
    """Have the worker send the receipt of an order that just became PAID (an `order_paid` follower)."""
    from orders.tasks import order_receipt_task

    order_receipt_task.enqueue(order_id=order.pk)


def order_receipt_deliver(*, order: Order) -> bool:
    """Send the receipt of a PAID order unless it was sent; return whether this call sent it.

    Raise `ReceiptDeferred` when it cannot be sent now: the mail service failed (the claim is
    released), or another sender holds a claim younger than EMAIL_SEND_LEASE_SECONDS.
    """
    claimed_at = _receipt_claim(order)
    if claimed_at is None:
        return False
    message = EmailMessage(
        subject=f"Your FrameSeller receipt: order #{order.pk}",
        body=render_to_string("orders/receipt_email.txt", _receipt_context(order)),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.user.email],
        # The same for every send of this receipt: a repeat after a crash is recognisable as one.
        headers={"Message-ID": f"<receipt.{order.pk}.{settings.FRAMESELLER_INSTALLATION}@frameseller>"},
    )
    mailer = mailers.default
    try:
        mailer.open()
        mailer.send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        _close_quietly(mailer)
        Order.objects.filter(pk=order.pk, receipt_sent_at=claimed_at).update(receipt_sent_at=None)
        raise ReceiptDeferred(f"Receipt of order {order.pk} not sent: {error}") from error
    # Accepted by the mail service: recorded before anything else can fail or take time.
    payment_event_record(order=order, kind=PaymentEvent.Kind.RECEIPT_SENT, detail=f"to {order.user.email}")
    order.receipt_sent_at = claimed_at
    _close_quietly(mailer)
    return True


def _receipt_claim(order: Order):
    """Claim the receipt of `order` for this sender; return the claim's time, or None if it needs no sending.

    Raise `ReceiptDeferred` if another sender's claim is still fresh.
    """
    now = timezone.now()
    paid = Order.objects.filter(pk=order.pk, status=Order.Status.PAID)
    if paid.filter(receipt_sent_at__isnull=True).update(receipt_sent_at=now):
        return now
    if order.payment_events.filter(kind=PaymentEvent.Kind.RECEIPT_SENT).exists() or not paid.exists():
        return None
    stale = now - timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)
    if paid.filter(receipt_sent_at__lt=stale).update(receipt_sent_at=now):
        logger.warning("Receipt of order %s was claimed by a sender that stopped; sending it again", order.pk)
        return now
    raise ReceiptDeferred(f"Receipt of order {order.pk} is being sent by another worker")


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except (OSError, smtplib.SMTPException):
        logger.warning("Closing the mail connection failed", exc_info=True)


def order_receipt_send(*, order: Order) -> bool:
    """Send the receipt of a PAID order unless one was sent or is being sent; return whether this call sent it.

    A failure is logged, never raised: it never undoes the payment, and the next run of
    `reconcile_orders` (or the task's retry) sends it.
    """
    try:
        return order_receipt_deliver(order=order)
    except ReceiptDeferred as error:
        logger.warning("%s; it will be tried again", error)
    except DatabaseError:
        logger.exception("Receipt of order %s not sent: the database is unavailable", order.pk)
    return False


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
    """Send the receipts left unsent (a mail outage, a sender that died; orders paid since the ledger began)."""
    stale = timezone.now() - timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)
    pending = (
        Order.objects.filter(status=Order.Status.PAID, payment_events__kind=PaymentEvent.Kind.PAID)
        .filter(Q(receipt_sent_at__isnull=True) | Q(receipt_sent_at__lt=stale))
        .exclude(payment_events__kind=PaymentEvent.Kind.RECEIPT_SENT)
        .distinct()
    )
    return sum(order_receipt_send(order=order) for order in pending.select_related("user", "product").order_by("id"))
