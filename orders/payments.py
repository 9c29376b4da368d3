"""The payment gateway: the only module that talks to Stripe.

Small functions returning frozen dataclasses.  Stripe's errors become the
project's own, by what they mean for the shopper's money:

* `PaymentDeclined`: the card was refused (`CardUnusable`: the token made
  from it is unknown, expired or used); nothing was charged and the shopper
  can try another card;
* `PaymentRejected`: Stripe refused the request itself (a bad parameter, a
  missing object); nothing was charged, and it is not the shopper's fault;
* `PaymentUnavailable`: Stripe could not be reached, timed out or failed;
  the outcome is unknown until reconciliation settles it.

An error's `message` is Stripe's own words (a decline's is meant for the
shopper, and may be empty) or what happened, for the logs: the services
choose what the shopper reads.

Every call carries an explicit idempotency key where it creates something, a
timeout and a bounded number of retries, and the API version is pinned.
"""

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from orders.stripe_events import WebhookEvent, webhook_event_read

logger = logging.getLogger(__name__)


class PaymentError(Exception):
    """The payment provider did not do what was asked."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class PaymentDeclined(PaymentError):
    """The card was refused: nothing was charged."""


class CardUnusable(PaymentDeclined):
    """The card token is unknown, expired or already used: nothing was charged."""


class PaymentRejected(PaymentError):
    """Stripe refused the request itself: nothing was charged."""


class PaymentUnavailable(PaymentError):
    """Stripe could not be reached or failed: the outcome is unknown."""


class WebhookInvalid(PaymentError):
    """A webhook's payload or signature could not be verified."""


class WebhookMalformed(PaymentError):
    """A correctly signed webhook event whose contents are not shaped as Stripe's are: nothing to apply."""


@dataclass(frozen=True)
class Customer:
    id: str


@dataclass(frozen=True)
class Card:
    id: str
    brand: str = ""
    last4: str = ""


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # "succeeded", "failed" or "pending"
    failure_message: str
    customer: str = ""
    amount: int = 0
    amount_refunded: int = 0
    order_id: str = ""
    installation: str = ""
    payment_intent: str = ""

    @property
    def paid(self) -> bool:
        return self.status == "succeeded"

    @property
    def kept(self) -> bool:
        """Succeeded and not refunded in full: money the shop holds."""
        return self.paid and self.amount_refunded < self.amount


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    # "succeeded", "requires_action", "processing", "requires_payment_method", "canceled", ...
    status: str
    client_secret: str
    customer: str = ""
    latest_charge: str = ""
    failure_message: str = ""
    order_id: str = ""
    installation: str = ""

    @property
    def paid(self) -> bool:
        return self.status == "succeeded"

    @property
    def failed(self) -> bool:
        """Authentication failed or the card was declined: nothing was charged."""
        return self.status in ("requires_payment_method", "canceled")


@dataclass(frozen=True)
class Refund:
    id: str
    amount: int


def _client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_API_VERSION,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, version: str, retries: int, timeout: float) -> stripe.StripeClient:
    # One client per configuration, so HTTP connections to Stripe are reused
    # (its requests sessions are per thread).
    return stripe.StripeClient(
        api_key,
        stripe_version=version,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def worst_case_seconds() -> float:
    """Return the longest one gateway call can take: every attempt timing out, plus backoff."""
    attempts = 1 + settings.STRIPE_MAX_NETWORK_RETRIES
    return attempts * settings.STRIPE_TIMEOUT_SECONDS + settings.STRIPE_MAX_NETWORK_RETRIES * 2.0


def _key(name: str) -> str:
    return f"{settings.STRIPE_IDEMPOTENCY_PREFIX}{name}"


def _translate(error: stripe.StripeError, *, card_refused_on_invalid_request: bool = False) -> PaymentError:
    """Turn a Stripe error into ours; `card_refused_on_invalid_request` when the request only named the card."""
    if isinstance(error, stripe.CardError):
        return PaymentDeclined(error.user_message or "")
    if isinstance(error, stripe.InvalidRequestError):
        if card_refused_on_invalid_request:
            # An unknown, expired or already used token.
            return CardUnusable(error.user_message or "")
        logger.error("Stripe refused a request: %s", error)
        return PaymentRejected(f"Stripe refused the request: {error}")
    logger.warning("Stripe unavailable: %s", error)
    return PaymentUnavailable(f"The payment service is unavailable ({type(error).__name__}).")


def customer_create(*, user_id: int, email: str, name: str, replacing: str = "") -> Customer:
    """Create the Stripe Customer that will hold a shopper's cards (`replacing` one that vanished)."""
    key = f"customer-{user_id}" + (f"-replacing-{replacing}" if replacing else "")
    try:
        customer = _client().v1.customers.create(
            {"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
            {"idempotency_key": _key(key)},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Customer(id=customer.id)


def customer_exists(*, customer_id: str) -> bool:
    """Return whether the customer exists on Stripe (and is not deleted)."""
    try:
        customer = _client().v1.customers.retrieve(customer_id)
    except stripe.InvalidRequestError:
        return False
    except stripe.StripeError as error:
        raise _translate(error) from error
    return not getattr(customer, "deleted", False)


def card_attach(*, customer_id: str, token: str, idempotency_key: str) -> Card:
    """Attach the card behind a Stripe.js token to a customer."""
    try:
        card = _client().v1.customers.payment_sources.create(
            customer_id, {"source": token}, {"idempotency_key": _key(idempotency_key)}
        )
    except stripe.StripeError as error:
        raise _translate(error, card_refused_on_invalid_request=True) from error
    return Card(id=card.id, brand=getattr(card, "brand", "") or "", last4=getattr(card, "last4", "") or "")


def charge(
    *,
    customer_id: str,
    card_id: str,
    amount: int,
    currency: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Charge:
    """Charge a customer's card `amount` in the currency's smallest unit."""
    try:
        obj = _client().v1.charges.create(
            {
                "amount": amount,
                "currency": currency,
                "customer": customer_id,
                "source": card_id,
                "description": description,
                "metadata": metadata,
            },
            # Sent once: a retry after a timeout could charge again (idempotency keys are
            # Stripe's safety net, not ours). A lost answer is settled by reading.
            {"idempotency_key": _key(idempotency_key), "max_network_retries": 0},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    if obj.status == "failed":
        raise PaymentDeclined(obj.failure_message or "")
    if obj.status != "succeeded":
        # "pending": it may still succeed; reconciliation will tell.
        raise PaymentUnavailable(f"Charge {obj.id} is still {obj.status}.")
    return _charge(obj)


def _metadata(obj) -> dict:
    return obj.metadata.to_dict() if getattr(obj, "metadata", None) else {}


def _charge(obj) -> Charge:
    metadata = _metadata(obj)
    return Charge(
        id=obj.id,
        status=obj.status,
        failure_message=getattr(obj, "failure_message", None) or "",
        customer=getattr(obj, "customer", None) or "",
        amount=getattr(obj, "amount", 0) or 0,
        amount_refunded=getattr(obj, "amount_refunded", 0) or 0,
        order_id=metadata.get("order_id", ""),
        installation=metadata.get("installation", ""),
        payment_intent=getattr(obj, "payment_intent", None) or "",
    )


def charges_for_order(*, customer_id: str, order_id: str, installation: str, since: datetime) -> list[Charge]:
    """Return the charges made for this order by this installation to this customer, oldest first.

    Look among the customer's charges; should Stripe no longer know the customer
    (deleted, or another account or mode), among all charges made since `since`.
    A charge naming the order but another installation or customer is never returned.
    """
    client = _client()
    # Charges made for the order are no older than it (a minute's leeway for clocks).
    created_after = {"gt": int(since.timestamp()) - 60}
    try:
        try:
            page = client.v1.charges.list({"customer": customer_id, "created": created_after, "limit": 100})
        except stripe.InvalidRequestError:
            page = client.v1.charges.list({"created": created_after, "limit": 100})
        found = [_charge(obj) for obj in page.auto_paging_iter()]
    except stripe.StripeError as error:
        raise _translate(error) from error
    mine = [c for c in found if c.order_id == order_id and c.installation == installation and c.customer == customer_id]
    return list(reversed(mine))  # Stripe lists newest first


def charge_retrieve(*, charge_id: str) -> Charge:
    """Return a charge as Stripe has it now."""
    try:
        return _charge(_client().v1.charges.retrieve(charge_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def refund(*, charge_id: str, idempotency_key: str, metadata: dict[str, str] | None = None) -> Refund:
    """Refund a charge in full, unless it already is (a refund is sent once, never retried blindly)."""
    current = charge_retrieve(charge_id=charge_id)
    if current.amount_refunded >= current.amount:
        return Refund(id="", amount=0)
    try:
        obj = _client().v1.refunds.create(
            {"charge": charge_id, "metadata": metadata or {}},
            {"idempotency_key": _key(idempotency_key), "max_network_retries": 0},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Refund(id=obj.id, amount=obj.amount)


# --- PaymentIntents (STRIPE_PAYMENT_FLOW=payment_intents) ---------------------


def _emulated() -> bool:
    """Whether the API is the local emulator, which refuses some parameters Stripe takes."""
    return settings.STRIPE_BACKEND == "emulator" or (urlsplit(settings.STRIPE_API_BASE).hostname or "") in (
        "127.0.0.1",
        "localhost",
        "::1",
    )


def _payment_intent(obj) -> PaymentIntent:
    metadata = _metadata(obj)
    error = getattr(obj, "last_payment_error", None)
    latest = getattr(obj, "latest_charge", None) or ""
    return PaymentIntent(
        id=obj.id,
        status=obj.status,
        client_secret=obj.client_secret or "",
        customer=getattr(obj, "customer", None) or "",
        latest_charge=latest if isinstance(latest, str) else latest.id,
        failure_message=(error.get("message") if isinstance(error, dict) else getattr(error, "message", "")) or "",
        order_id=metadata.get("order_id", ""),
        installation=metadata.get("installation", ""),
    )


def payment_intent_create(
    *,
    customer_id: str,
    card_id: str,
    amount: int,
    currency: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> PaymentIntent:
    """Create and confirm a PaymentIntent for `amount`; it may ask for authentication (requires_action)."""
    params = {
        "amount": amount,
        "currency": currency,
        "customer": customer_id,
        "payment_method": card_id,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": metadata,
    }
    if not _emulated():
        params["description"] = description
    try:
        obj = _client().v1.payment_intents.create(
            params, {"idempotency_key": _key(idempotency_key), "max_network_retries": 0}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    intent = _payment_intent(obj)
    if intent.failed:
        raise PaymentDeclined(intent.failure_message)
    return intent


def payment_intent_retrieve(*, payment_intent_id: str) -> PaymentIntent:
    """Return a PaymentIntent as Stripe has it now."""
    try:
        return _payment_intent(_client().v1.payment_intents.retrieve(payment_intent_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def payment_intents_for_order(*, customer_id: str, order_id: str, installation: str) -> list[PaymentIntent]:
    """Return the PaymentIntents made for this order by this installation to this customer, oldest first."""
    client = _client()
    try:
        try:
            page = client.v1.payment_intents.list({"customer": customer_id, "limit": 100})
        except stripe.InvalidRequestError:
            # The emulator cannot filter PaymentIntents by customer.
            page = client.v1.payment_intents.list({"limit": 100})
        found = [_payment_intent(obj) for obj in page.auto_paging_iter()]
    except stripe.StripeError as error:
        raise _translate(error) from error
    mine = [i for i in found if i.order_id == order_id and i.installation == installation and i.customer == customer_id]
    return list(reversed(mine))


# --- Disputes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dispute:
    id: str
    charge: str
    # needs_response, under_review, won, lost, warning_needs_response, …
    status: str
    reason: str = ""
    amount: int = 0
    currency: str = ""
    due_by: datetime | None = None  # evidence_details.due_by: evidence submitted after it is refused
    submission_count: int = 0
    evidence: dict[str, str] | None = None  # the text fields of the evidence Stripe holds


def _dispute(obj) -> Dispute:
    details = getattr(obj, "evidence_details", None)
    due_by = getattr(details, "due_by", None)
    evidence = getattr(obj, "evidence", None)
    evidence = evidence.to_dict() if evidence is not None else {}
    charge = getattr(obj, "charge", None) or ""
    return Dispute(
        id=obj.id,
        charge=charge if isinstance(charge, str) else charge.id,
        status=obj.status,
        reason=getattr(obj, "reason", None) or "",
        amount=getattr(obj, "amount", 0) or 0,
        currency=getattr(obj, "currency", None) or "",
        due_by=datetime.fromtimestamp(due_by, tz=UTC) if due_by else None,
        submission_count=getattr(details, "submission_count", 0) or 0,
        evidence={key: value for key, value in evidence.items() if isinstance(value, str)},
    )


def dispute_retrieve(*, dispute_id: str) -> Dispute:
    """Return a dispute as Stripe has it now: its status, amount, reason and evidence due date."""
    try:
        return _dispute(_client().v1.disputes.retrieve(dispute_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def dispute_evidence_submit(*, dispute_id: str, evidence: dict[str, str], idempotency_key: str) -> Dispute:
    """Send a dispute's evidence (Stripe's `evidence[...]` text fields) and submit it to the bank."""
    try:
        obj = _client().v1.disputes.update(
            dispute_id, {"evidence": evidence, "submit": True}, {"idempotency_key": _key(idempotency_key)}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _dispute(obj)


# --- Webhooks -------------------------------------------------------------------


def webhook_event(*, payload: bytes, signature: str) -> WebhookEvent:
    """Verify a webhook's signature (STRIPE_WEBHOOK_SECRET, 5 minutes' tolerance) and return its event."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise WebhookInvalid("STRIPE_WEBHOOK_SECRET is not set.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise WebhookInvalid(f"Invalid webhook: {error}") from error
    except (TypeError, AttributeError, KeyError) as error:
        # The signature held (it is checked first), but the payload is no event Stripe's library can read.
        raise WebhookMalformed(f"Malformed webhook event: {error!r}") from error
    data = event.to_dict() if hasattr(event, "to_dict") else event
    try:
        return webhook_event_read(data)
    except (TypeError, ValueError, AttributeError) as error:
        raise WebhookMalformed(f"Malformed webhook event: {error}") from error
