"""Orders: who bought which photo, at what price, and how the payment went."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Order(models.Model):
    """One purchase of one photo; the price is a snapshot of what was charged."""

    class Status(models.TextChoices):
        UNPAID = "UNPAID", "Unpaid (recorded, payment not confirmed yet)"
        PAID = "PAID", "Paid"
        FAILED = "FAILED", "Failed (nothing was charged)"
        REFUNDED = "REFUNDED", "Refunded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="orders")
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="Price charged, in major units.")
    currency = models.CharField(max_length=3)
    # On the wire these are `orderdate` and `paymentstatus`, the 2017 contract's names (see serializers).
    ordered_at = models.DateTimeField("order date", default=timezone.now, db_index=True)
    status = models.CharField(
        "payment status", max_length=10, choices=Status.choices, default=Status.UNPAID, db_index=True
    )
    # The client's Idempotency-Key header, unique per shopper.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULLs stay distinct
    # The Stripe.js token paid with; a token pays for one order only.
    stripe_token = models.CharField(max_length=255, null=True, blank=True, unique=True)  # noqa: DJ001
    stripe_customer_id = models.CharField(max_length=255, blank=True, default="")
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="")
    # Set, under a row lock, by the one process that sends the charge.
    charge_attempted_at = models.DateTimeField(null=True, blank=True)
    # The payment service could not be reached or answered an error: the
    # outcome is unknown until reconciliation settles it.
    outcome_unknown = models.BooleanField(default=False)
    # The bank asked the shopper to authenticate (3-D Secure) and the order is still UNPAID, until
    # orders.payment_intents learns how the challenge ended; set and cleared by orders.settlement.
    awaiting_authentication = models.BooleanField(default=False, db_default=False)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    # The shop installation that made the payment (metadata `installation` on Stripe): an
    # event or a charge naming another one never settles this order.
    installation = models.CharField(max_length=64, blank=True, default="")
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, default="")
    # The card paid with, for the receipt.
    card_brand = models.CharField(max_length=32, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    # A dispute is open on the charge, or was lost: downloads stop (order_state_downloadable).
    disputed = models.BooleanField(default=False)
    # Claimed under the row lock by the one path that sends the receipt (orders.receipts).
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # The purchase's client address (as the trusted proxies report it): dispute evidence. A database
    # default too, since the previous release, still running mid-rollout, inserts orders without it.
    client_address = models.CharField(max_length=64, blank=True, default="", db_default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="order_unique_idempotency_key_per_user"),
        ]
        indexes = [
            # A shopper's orders in the list's exact order (newest first, then the highest id), so that
            # a page reads its rows off the index whatever the history's size: with the date alone,
            # MariaDB had to sort a 10,000-order history for each page, or chose another index.
            models.Index(fields=["user", "-ordered_at", "-id"], name="order_user_date_id_idx"),
            # A purchase looks up the shopper's unpaid or paid order of the photo; with the status in
            # it the index answers alone (it carries the id), whatever the shopper's history. The
            # status comes before the photo: with (user, photo) first, MariaDB would read a page of the
            # order list by joining from the catalog through this index, then sort the whole history.
            models.Index(fields=["user", "status", "product"], name="order_user_status_product_idx"),
        ]

    def __str__(self):
        return f"Order {self.pk} ({self.status})"

    @property
    def amount_minor_units(self) -> int:
        """Return the charged price in the currency's smallest unit (cents)."""
        return int((self.price * 100).to_integral_value())


_PAID = Order.Status.PAID


def order_state_downloadable(status: str, disputed: bool) -> bool:
    """Return whether an order in this state lets its buyer download the photo: PAID, and no dispute open or lost.

    The one rule: the order serializer, the order list's fast path (which passes the database's 0 or 1
    for `disputed`) and the download links (orders.downloads) all ask it.
    """
    return status == _PAID and not disputed


class PaymentEvent(models.Model):
    """One thing that happened to an order's payment: an attempt, an outcome, a refund, a Stripe event.

    The order's ledger, oldest first. A Stripe webhook event is recorded once by its id.
    """

    class Kind(models.TextChoices):
        ATTEMPT = "attempt", "Payment sent to Stripe"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        OUTCOME_UNKNOWN = "outcome_unknown", "Outcome unknown"
        REQUIRES_ACTION = "requires_action", "Authentication (3-D Secure) asked"
        EXTRA_CHARGE_REFUNDED = "extra_charge_refunded", "Extra charge refunded"
        REFUNDED = "refunded", "Refunded"
        DISPUTE_OPENED = "dispute_opened", "Dispute opened"
        DISPUTE_CLOSED = "dispute_closed", "Dispute closed"
        DISPUTE_EVIDENCE_SUBMITTED = "dispute_evidence_submitted", "Dispute evidence submitted"
        RECEIPT_SENT = "receipt_sent", "Receipt sent"
        WEBHOOK = "webhook", "Stripe event received"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="payment_events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # A webhook's event id (evt_…): unique, so that a repeated delivery is recognised.
    stripe_event_id = models.CharField(max_length=255, null=True, blank=True, unique=True)  # noqa: DJ001
    stripe_event_type = models.CharField(max_length=64, blank=True, default="")
    # The charge, PaymentIntent, refund or dispute concerned.
    stripe_object_id = models.CharField(max_length=255, blank=True, default="")
    amount = models.IntegerField(null=True, blank=True, help_text="In the currency's smallest unit.")
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.stripe_object_id}".strip()


class DownloadEvent(models.Model):
    """A download link issued for an order, or a file served or refused through one: dispute evidence."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Link issued"
        SERVED = "served", "File served"
        REFUSED = "refused", "Link refused"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="download_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField("when", default=timezone.now, db_index=True)
    # The client's address (as the trusted proxies report it) and browser.
    address = models.CharField(max_length=64, blank=True, default="")
    user_agent = models.CharField(max_length=500, blank=True, default="")
    # Issued: the file's size; served: the bytes actually sent.
    bytes = models.PositiveBigIntegerField(default=0)
    # Issued: when the link stops working. Served or refused: the link used.
    expires_at = models.DateTimeField(null=True, blank=True)
    link = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="uses")
    detail = models.CharField(max_length=200, blank=True, default="", help_text="Why a link was refused.")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="download_order_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} for order {self.order_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class Dispute(models.Model):
    """A dispute Stripe opened on an order's charge, and the evidence the shop drafts and submits for it."""

    class Status(models.TextChoices):
        # Stripe's own statuses (a dispute object's `status`).
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs a response"
        UNDER_REVIEW = "under_review", "Evidence submitted, under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.NEEDS_RESPONSE)
    reason = models.CharField(max_length=64, blank=True, default="")
    amount = models.IntegerField(null=True, blank=True, help_text="In the currency's smallest unit.")
    currency = models.CharField(max_length=3, blank=True, default="")
    # Stripe's evidence_details.due_by: the evidence must be submitted before it.
    due_by = models.DateTimeField("evidence due by", null=True, blank=True)
    # The draft: Stripe's evidence fields (customer_name, access_activity_log, …) and their text.
    evidence = models.JSONField(default=dict, blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Dispute {self.stripe_dispute_id} on order {self.order_id} ({self.status})"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.NEEDS_RESPONSE, self.Status.WARNING_NEEDS_RESPONSE)
