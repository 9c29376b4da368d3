"""Refunding a paid order on Stripe."""

import pytest

from orders import errors, refunds
from orders.models import Order

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def test_refund_marks_paid_order_refunded_on_stripe(auth_client, product, stripe_emulator):
    import requests

    from devtools.emulator_process import SECRET_KEY

    auth_client.post("/api/order/", {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    order = Order.objects.get()

    refunds.order_refund(order=order)

    assert order.status == Order.Status.REFUNDED
    charge = requests.get(
        f"{stripe_emulator.url}/v1/charges/{order.stripe_charge_id}", auth=(SECRET_KEY, ""), timeout=5
    ).json()
    assert charge["refunded"] is True
    with pytest.raises(errors.OrderNotRefundable):
        refunds.order_refund(order=order)


def test_unpaid_order_cannot_be_refunded(order):
    with pytest.raises(errors.OrderNotRefundable):
        refunds.order_refund(order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID
