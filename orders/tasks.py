"""The orders' background tasks, run by the worker (`manage.py run_worker`; frameseller.tasks)."""

import smtplib

from django.db import DatabaseError
from django.tasks import task

from frameseller.tasks import retried
from orders import payments
from orders.models import Dispute, Order
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


# Stripe unreachable or the database away: 6 attempts over about 30 minutes, then FAILED in the admin
# (staff can still answer the dispute in Stripe's Dashboard).
@retried(attempts=6, backoff_seconds=30, on=(payments.PaymentUnavailable, DatabaseError))
@task
def dispute_evidence_draft_task(*, dispute_id: int) -> str:
    """Draft a dispute's evidence from the shop's records, with its due date from Stripe (orders.disputes)."""
    from orders.disputes import dispute_evidence_draft

    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None:
        return "no such dispute"
    if dispute.submitted_at is not None:
        return "submitted already"
    dispute_evidence_draft(dispute=dispute)
    return "drafted"
