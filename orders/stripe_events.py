"""What a verified Stripe event says, read strictly: the ids, amounts and words the shop acts on.

Stripe's events are JSON the shop did not write. A field that is not shaped as Stripe shapes it
(an amount that is no integer, metadata that is no object, an id that is no short printable ASCII,
which no ledger column could hold) raises TypeError or ValueError here, so that the gateway
(orders.payments.webhook_event) reports the event as malformed rather than the shop failing on it.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookEvent:
    """A verified Stripe event, and what its object says (a charge, PaymentIntent or dispute)."""

    id: str
    type: str
    object_id: str
    object_type: str
    customer: str = ""
    order_id: str = ""
    installation: str = ""
    charge: str = ""  # a dispute's charge, a PaymentIntent's latest charge
    payment_intent: str = ""
    status: str = ""
    amount: int = 0
    amount_refunded: int = 0
    failure_message: str = ""


# Stripe's ids and names are short printable ASCII; what the ledger keeps of them must fit its columns.
_STRIPE_ID = re.compile(r"[\x21-\x7e]{0,255}")
_AMOUNT_MAX = 10**15  # far above any real charge (in the smallest unit), far below any column's limit


def webhook_event_read(data) -> WebhookEvent:
    """Read what the shop uses of a verified event; raise TypeError or ValueError where Stripe's shape is not met."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        raise TypeError("the event or its data is not an object")
    obj = data["data"].get("object") or {}
    if not isinstance(obj, dict):
        raise TypeError("data.object is not an object")
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise TypeError("metadata is not an object")
    error = obj.get("last_payment_error") or {}
    if not isinstance(error, dict):
        raise TypeError("last_payment_error is not an object")
    return WebhookEvent(
        id=_stripe_id(data.get("id")),
        type=_stripe_id(data.get("type")),
        object_id=_stripe_id(obj.get("id")),
        object_type=_stripe_id(obj.get("object")),
        customer=_id_of(obj.get("customer")),
        order_id=_metadata_text(metadata.get("order_id")),
        installation=_metadata_text(metadata.get("installation")),
        charge=_id_of(obj.get("charge") or obj.get("latest_charge")),
        payment_intent=_id_of(obj.get("payment_intent")),
        status=_stripe_id(obj.get("status")),
        amount=_amount(obj.get("amount")),
        amount_refunded=_amount(obj.get("amount_refunded")),
        failure_message=_readable(obj.get("failure_message") or error.get("message")),
    )


def _stripe_id(value) -> str:
    """An id, type or status as Stripe writes them: printable ASCII, 255 characters at most ("" when absent)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not _STRIPE_ID.fullmatch(value):
        raise ValueError(f"not a Stripe id: {value!r:.80}")
    return value


def _id_of(value) -> str:
    """Return an object's id whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        return _stripe_id(value.get("id"))
    return _stripe_id(value)


def _metadata_text(value) -> str:
    """A metadata value: Stripe keeps strings only (of 500 characters at most)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 500:
        raise ValueError("a metadata value is not a string of 500 characters at most")
    return _readable(value)


def _amount(value) -> int:
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value <= _AMOUNT_MAX:
        raise ValueError(f"not an amount: {value!r:.40}")
    return value


def _readable(value) -> str:
    """Free text from Stripe (a decline's message), kept readable: a lone surrogate becomes U+FFFD."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("a message is not a string")
    return value.encode("utf-8", "replace").decode("utf-8")
