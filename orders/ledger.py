"""The payment ledger: one row per thing that happened to an order's payment (orders.models.PaymentEvent)."""

from orders.models import Order, PaymentEvent


def payment_event_record(
    *, order: Order | None, kind: str, stripe_object_id: str = "", amount: int | None = None, detail: str = ""
) -> PaymentEvent:
    """Append a row to the order's payment ledger."""
    return PaymentEvent.objects.create(
        order=order, kind=kind, stripe_object_id=stripe_object_id, amount=amount, detail=detail[:500]
    )
