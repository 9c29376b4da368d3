"""Give a shopper's money back."""

from django.db import transaction

from orders import payments
from orders.errors import OrderNotRefundable
from orders.models import Order
from orders.settlement import order_mark_refunded


def order_refund(*, order: Order) -> Order:
    """Refund a PAID order in full on Stripe and mark it REFUNDED."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.PAID or not locked.stripe_charge_id:
            raise OrderNotRefundable()
    try:
        payments.refund(
            charge_id=locked.stripe_charge_id,
            idempotency_key=f"order-{order.pk}-refund",
            metadata={"order_id": str(order.pk)},
        )
    except payments.PaymentError as error:
        raise OrderNotRefundable(f"Stripe did not refund order {order.pk}: {error.message}") from error
    return order_mark_refunded(order=order)
