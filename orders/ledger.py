"""The payment ledger: one row per thing that happened to an order's payment (orders.models.PaymentEvent)."""

from orders.models import Order, PaymentEvent


def payment_event_record(
    *, order: Order | None, kind: str, stripe_object_id: str = "", amount: int | None = None, detail: str = ""
) -> PaymentEvent:
    """Append a row to the order's payment ledger."""
    return PaymentEvent.objects.create(
        order=order, kind=kind, stripe_object_id=stripe_object_id, amount=amount, detail=detail[:500]
    )


def order_awaits_authentication(*, order: Order) -> bool:
    """Whether the bank asked the shopper for 3-D Secure and the order is still UNPAID."""
    return (
        order.status == Order.Status.UNPAID
        and order.payment_events.filter(kind=PaymentEvent.Kind.REQUIRES_ACTION).exists()
    )
