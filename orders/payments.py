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
from datetime import datetime

import stripe
from django.conf import settings

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


@dataclass(frozen=True)
class Customer:
    id: str


@dataclass(frozen=True)
class Card:
    id: str


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # "succeeded", "failed" or "pending"
    failure_message: str

    @property
    def paid(self) -> bool:
        return self.status == "succeeded"


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
    return Card(id=card.id)


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
            {"idempotency_key": _key(idempotency_key)},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    if obj.status == "failed":
        raise PaymentDeclined(obj.failure_message or "")
    if obj.status != "succeeded":
        # "pending": it may still succeed; reconciliation will tell.
        raise PaymentUnavailable(f"Charge {obj.id} is still {obj.status}.")
    return Charge(id=obj.id, status=obj.status, failure_message="")


def charge_find(*, customer_id: str, order_id: str, since: datetime) -> Charge | None:
    """Return the charge whose metadata names this order, if any (paid, then pending, first).

    Look among the customer's charges; should Stripe no longer know the customer
    (deleted, or another account or mode), among all charges made since `since`.
    """
    client = _client()
    try:
        try:
            page = client.v1.charges.list({"customer": customer_id, "limit": 100})
        except stripe.InvalidRequestError:
            created_after = int(since.timestamp()) - 60
            page = client.v1.charges.list({"created": {"gt": created_after}, "limit": 100})
        found = [
            Charge(id=obj.id, status=obj.status, failure_message=obj.failure_message or "")
            for obj in page.auto_paging_iter()
            if obj.metadata and obj.metadata.to_dict().get("order_id") == order_id
        ]
    except stripe.StripeError as error:
        raise _translate(error) from error
    rank = {"succeeded": 0, "pending": 1}
    found.sort(key=lambda c: rank.get(c.status, 2))
    return found[0] if found else None


def refund(*, charge_id: str, idempotency_key: str, metadata: dict[str, str] | None = None) -> Refund:
    """Refund a charge in full."""
    try:
        obj = _client().v1.refunds.create(
            {"charge": charge_id, "metadata": metadata or {}}, {"idempotency_key": _key(idempotency_key)}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Refund(id=obj.id, amount=obj.amount)
