"""A dispute's evidence, composed from what the shop recorded of the purchase, the receipt and the downloads.

The result is Stripe's evidence fields (`evidence[...]` of the dispute update) with their text:
who bought (customer_name, customer_email_address, customer_purchase_ip), what (product_description,
with the licence), when it was first delivered (service_date), the file's access log
(access_activity_log: every link issued and every download, with address, user agent and bytes), and
the rest (the order, the payment, the licence's terms, the receipt) in uncategorized_text. Stripe's
`receipt` field takes an uploaded file, not text: the receipt's record goes in uncategorized_text.
"""

from datetime import datetime

from orders.models import DownloadEvent, Order, PaymentEvent

# Stripe keeps at most 20,000 characters in one evidence text field (150,000 in all).
FIELD_MAX_CHARS = 20_000


def dispute_evidence_compose(*, order: Order) -> dict[str, str]:
    """Return the evidence of the order's purchase, by Stripe evidence field (empty fields left out)."""
    downloads = list(DownloadEvent.objects.filter(order=order).order_by("at", "id"))
    receipt = (
        PaymentEvent.objects.filter(order=order, kind=PaymentEvent.Kind.RECEIPT_SENT).order_by("created_at").first()
    )
    first_served = next((event.at for event in downloads if event.kind == DownloadEvent.Kind.SERVED), None)
    evidence = {
        "customer_name": order.user.get_full_name() or order.user.email,
        "customer_email_address": order.user.email,
        "customer_purchase_ip": order.client_address,
        "product_description": _product_description(order),
        "service_date": f"{first_served or order.ordered_at:%Y-%m-%d}",
        "access_activity_log": _access_log(downloads),
        "uncategorized_text": _purchase_summary(order, receipt=receipt, downloads=downloads),
    }
    return {field: _fitted(text) for field, text in evidence.items() if text}


def _utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "not recorded"


def _product_description(order: Order) -> str:
    product = order.product
    described = f": {product.description}" if product.description else ""
    credit = f" by {product.credit}" if product.credit else ""
    return (
        f'A digital photograph, "{product.title}"{credit}{described}. Sold as a download of the original file '
        f"({product.original_bytes:,} bytes, SHA-256 {product.original_sha256 or 'not recorded'}), available "
        f"to the buyer from their order page at once after payment. Licence: {product.license or 'none stated'}."
    )


def _access_log(downloads: list[DownloadEvent]) -> str:
    if not downloads:
        return "No download link was issued for this order."
    lines = [
        "Every download link issued to the buyer's account and every use of one (times in UTC):",
        *(_access_line(event) for event in downloads),
    ]
    return "\n".join(lines)


def _access_line(event: DownloadEvent) -> str:
    what = {
        DownloadEvent.Kind.ISSUED: f"link issued for a file of {event.bytes:,} bytes, valid until "
        f"{_utc(event.expires_at)}",
        DownloadEvent.Kind.SERVED: f"file downloaded, {event.bytes:,} bytes sent",
        DownloadEvent.Kind.REFUSED: f"download refused ({event.detail or 'link no longer valid'})",
    }.get(event.kind, event.kind)
    return (
        f"{_utc(event.at)} | {what} | address {event.address or 'not recorded'} | "
        f"browser {event.user_agent or 'not recorded'}"
    )


def _purchase_summary(order: Order, *, receipt: PaymentEvent | None, downloads: list[DownloadEvent]) -> str:
    served = [event for event in downloads if event.kind == DownloadEvent.Kind.SERVED]
    issued = sum(1 for event in downloads if event.kind == DownloadEvent.Kind.ISSUED)
    card = f"{order.card_brand} card ending {order.card_last4}" if order.card_last4 else "a card"
    if receipt is not None:
        receipt_line = f"Receipt emailed {receipt.detail} at {_utc(receipt.created_at)}, naming the photo and amount."
    elif order.receipt_sent_at:
        receipt_line = f"Receipt emailed to {order.user.email} at {_utc(order.receipt_sent_at)}."
    else:
        receipt_line = "No receipt was recorded as sent."
    return "\n".join(
        [
            f'Order {order.pk}: the photo "{order.product.title}" bought by {order.user.email} on '
            f"{_utc(order.ordered_at)} from address {order.client_address or 'not recorded'}, "
            f"{order.price} {order.currency.upper()} paid with {card} (Stripe charge {order.stripe_charge_id}).",
            f"Licence accepted with the purchase: {order.product.license or 'none stated'} "
            "(the product's licence text; its terms are those published under that name).",
            receipt_line,
            f"Downloads: {issued} link(s) issued, {len(served)} file(s) downloaded "
            f"({sum(event.bytes for event in served):,} bytes in all); the full log is in the access activity log.",
        ]
    )


def _fitted(text: str) -> str:
    """Keep a field within Stripe's limit: a long log keeps its first lines and says how many were left out."""
    if len(text) <= FIELD_MAX_CHARS:
        return text
    lines, kept, size = text.split("\n"), [], 0
    for line in lines:
        if size + len(line) + 1 > FIELD_MAX_CHARS - 80:
            break
        kept.append(line)
        size += len(line) + 1
    kept.append(f"… and {len(lines) - len(kept)} more line(s), kept by the shop.")
    return "\n".join(kept)
