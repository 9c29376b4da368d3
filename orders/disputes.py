"""Disputes answered: the evidence the shop keeps, drafted for Stripe by the worker and submitted by staff.

`charge.dispute.created` stops the downloads (orders.settlement.order_mark_disputed) and opens a
Dispute row here; the worker (`orders.tasks.dispute_evidence_draft_task`) reads the dispute's due
date from Stripe and drafts its evidence from what the shop recorded (orders.dispute_evidence).
Staff read the draft in the admin and submit it in one click before the due date
(`dispute_evidence_submit`): Stripe's dispute update with `submit=true`.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import payments
from orders.dispute_evidence import dispute_evidence_compose
from orders.ledger import payment_event_record
from orders.models import Dispute, Order, PaymentEvent

logger = logging.getLogger(__name__)


class DisputeNotSubmittable(Exception):
    """The dispute's evidence cannot be submitted (not drafted, sent already, closed or past due).

    Staff read `message` in the admin; no API answers it, so it is no ApplicationError.
    """

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def dispute_open(*, order: Order, dispute_id: str, status: str = "", amount: int | None = None) -> Dispute:
    """Record a dispute opened on the order's charge, and have the worker draft its evidence (once committed)."""
    from orders.tasks import dispute_evidence_draft_task

    defaults = {"status": status or Dispute.Status.NEEDS_RESPONSE, "amount": amount, "currency": order.currency}
    try:
        with transaction.atomic():
            dispute, created = Dispute.objects.get_or_create(
                order=order, stripe_dispute_id=dispute_id, defaults=defaults
            )
    except IntegrityError:  # a concurrent delivery of the same dispute recorded it first
        return Dispute.objects.get(stripe_dispute_id=dispute_id)
    if created:
        transaction.on_commit(lambda: dispute_evidence_draft_task.enqueue(dispute_id=dispute.pk), robust=True)
    return dispute


def dispute_close(*, dispute_id: str, status: str) -> Dispute | None:
    """Record how Stripe closed a dispute (won, lost, warning_closed)."""
    Dispute.objects.filter(stripe_dispute_id=dispute_id).update(status=status[:32], updated_at=timezone.now())
    return Dispute.objects.filter(stripe_dispute_id=dispute_id).first()


def dispute_evidence_draft(*, dispute: Dispute) -> Dispute:
    """Read the dispute's status and due date from Stripe and draft its evidence from the shop's records.

    Safe to run again (a worker that died, a retry): the draft is rewritten until it is submitted.
    Raise `payments.PaymentUnavailable` when Stripe cannot be asked (the task retries).
    """
    try:
        remote = payments.dispute_retrieve(dispute_id=dispute.stripe_dispute_id)
    except payments.PaymentRejected:
        # Unknown to Stripe (another account or mode?): the draft is still worth having.
        logger.error("Dispute %s is not known to Stripe; evidence drafted without its due date", dispute.pk)
        remote = None
    order = Order.objects.select_related("user", "product").get(pk=dispute.order_id)
    evidence = dispute_evidence_compose(order=order)
    updates = {"evidence": evidence, "drafted_at": timezone.now(), "updated_at": timezone.now()}
    if remote is not None:
        updates.update(status=remote.status[:32], reason=remote.reason[:64], amount=remote.amount, due_by=remote.due_by)
        updates["currency"] = remote.currency[:3] or dispute.currency
    Dispute.objects.filter(pk=dispute.pk, submitted_at__isnull=True).update(**updates)
    dispute.refresh_from_db()
    return dispute


def dispute_evidence_submit(*, dispute: Dispute, by: str) -> Dispute:
    """Send the drafted evidence to Stripe and submit it to the bank; record who did and when.

    Refused (`DisputeNotSubmittable`) without a draft, once submitted, when the dispute is closed or
    past its due date; a repeated click sends the same idempotency key, so Stripe answers the first.
    """
    now = timezone.now()
    if not dispute.evidence:
        raise DisputeNotSubmittable("The evidence is not drafted yet: the worker drafts it within a minute.")
    if dispute.submitted_at is not None:
        raise DisputeNotSubmittable(f"The evidence was submitted on {dispute.submitted_at:%Y-%m-%d %H:%M} UTC.")
    if not dispute.open:
        raise DisputeNotSubmittable(f"The dispute is {dispute.get_status_display().lower()}: nothing to submit.")
    if dispute.due_by is not None and dispute.due_by <= now:
        raise DisputeNotSubmittable(f"The evidence was due by {dispute.due_by:%Y-%m-%d %H:%M} UTC.")
    try:
        remote = payments.dispute_evidence_submit(
            dispute_id=dispute.stripe_dispute_id,
            evidence=dispute.evidence,
            idempotency_key=f"dispute-{dispute.stripe_dispute_id}-submit",
        )
    except payments.PaymentError as error:
        raise DisputeNotSubmittable(f"Stripe did not take the evidence: {error.message}") from error
    with transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(
            status=remote.status[:32], submitted_at=now, submitted_by=by[:150], updated_at=now
        )
        payment_event_record(
            order=dispute.order,
            kind=PaymentEvent.Kind.DISPUTE_EVIDENCE_SUBMITTED,
            stripe_object_id=dispute.stripe_dispute_id,
            detail=f"by {by}"[:500],
        )
    dispute.refresh_from_db()
    return dispute
