"""The payment gateway: the only module that talks to Stripe.

Small functions returning frozen dataclasses.  Stripe's errors become the
project's own: a card or request Stripe refused is a `PaymentDeclined`
(nothing was charged); anything that leaves the outcome unknown (network
errors, timeouts, Stripe's 5xx, a wrong API key) is a `PaymentUnavailable`.
Every call carries an explicit idempotency key and a timeout, and the API
version is pinned.
"""

import functools
from dataclasses import dataclass

import stripe
from django.conf import settings


class PaymentError(Exception):
    """The payment provider did not do what was asked."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class PaymentDeclined(PaymentError):
    """Stripe refused the card or the request: nothing was charged."""


class PaymentUnavailable(PaymentError):
    """Stripe could not be reached or failed: the outcome is unknown."""


@dataclass(frozen=True)
class Customer:
    id: str


@dataclass(frozen=True)
class Card:
    id: str
    brand: str
    last4: str


@dataclass(frozen=True)
class Charge:
    id: str
    amount: int
    currency: str
    paid: bool
    failure_message: str
    metadata: dict


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


def _translate(error: stripe.StripeError) -> PaymentError:
    if isinstance(error, stripe.CardError | stripe.InvalidRequestError):
        return PaymentDeclined(error.user_message or "Your card was declined.")
    return PaymentUnavailable("The payment service is unavailable; your payment is being confirmed.")


def customer_create(*, user_id: int, email: str, name: str) -> Customer:
    """Create the Stripe Customer that will hold a shopper's cards."""
    try:
        customer = _client().v1.customers.create(
            {"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
            {"idempotency_key": _key(f"customer-{user_id}")},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Customer(id=customer.id)


def card_attach(*, customer_id: str, token: str, idempotency_key: str) -> Card:
    """Attach the card behind a Stripe.js token to a customer."""
    try:
        card = _client().v1.customers.payment_sources.create(
            customer_id, {"source": token}, {"idempotency_key": _key(idempotency_key)}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Card(id=card.id, brand=getattr(card, "brand", "") or "", last4=getattr(card, "last4", "") or "")


def _charge(obj) -> Charge:
    return Charge(
        id=obj.id,
        amount=obj.amount,
        currency=obj.currency,
        paid=obj.status == "succeeded",
        failure_message=getattr(obj, "failure_message", None) or "",
        metadata=obj.metadata.to_dict() if obj.metadata else {},
    )


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
    result = _charge(obj)
    if not result.paid:
        raise PaymentDeclined(result.failure_message or "Your card was declined.")
    return result


def charge_find(*, customer_id: str, metadata_key: str, metadata_value: str) -> Charge | None:
    """Return the customer's charge whose metadata carries this value, if any (the paid one first)."""
    try:
        page = _client().v1.charges.list({"customer": customer_id, "limit": 100})
        found = [
            _charge(obj)
            for obj in page.auto_paging_iter()
            if obj.metadata and obj.metadata.to_dict().get(metadata_key) == metadata_value
        ]
    except stripe.StripeError as error:
        raise PaymentUnavailable(str(error.user_message or error)) from error
    found.sort(key=lambda c: not c.paid)
    return found[0] if found else None


@dataclass(frozen=True)
class Refund:
    id: str
    amount: int


def refund(*, charge_id: str, idempotency_key: str, metadata: dict[str, str] | None = None) -> Refund:
    """Refund a charge in full."""
    try:
        obj = _client().v1.refunds.create(
            {"charge": charge_id, "metadata": metadata or {}}, {"idempotency_key": _key(idempotency_key)}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return Refund(id=obj.id, amount=obj.amount)
