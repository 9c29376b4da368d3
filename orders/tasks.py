"""The orders' background tasks, run by the worker (`manage.py run_worker`; frameseller.tasks)."""

import smtplib

from django.db import DatabaseError
from django.tasks import task

from frameseller.tasks import retried
from orders.models import Order
from orders.receipts import ReceiptDeferred, order_receipt_deliver


# 6 attempts over about 30 minutes (30 s, 1, 2, 4, 8 min); then FAILED in the admin, and
# `reconcile_orders` still sends it once the mail service is back.
@retried(attempts=6, backoff_seconds=30, on=(ReceiptDeferred, DatabaseError, OSError, smtplib.SMTPException))
@task
def order_receipt_task(*, order_id: int) -> str:
    """Send the receipt of a PAID order, once (orders.receipts)."""
    order = Order.objects.select_related("user", "product").filter(pk=order_id).first()
    if order is None:
        return "no such order"
    return "sent" if order_receipt_deliver(order=order) else "nothing to send"
