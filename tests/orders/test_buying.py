"""POST /api/order/: a purchase charges the server-side price once, through the real SDK and the emulator."""

from decimal import Decimal

import pytest
from django.conf import settings

from orders.models import Order
from tests.cards import DECLINED_AT_ATTACH, DECLINED_AT_CHARGE
from tests.factories import ProductFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def test_successful_purchase_records_paid_order_and_charges_server_price(auth_client, user, stripe_emulator):
    product = ProductFactory(title="Brooklyn Bridge", price=Decimal("100.00"))
    token = stripe_emulator.card_token()

    response = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["success"] is True
    order = Order.objects.get()
    assert body["id"] == order.pk
    assert body["order"]["paymentstatus"] == "PAID"
    assert order.status == Order.Status.PAID
    assert order.price == Decimal("100.00")
    [charge] = stripe_emulator.paid_charges()
    assert order.stripe_charge_id == charge["id"]
    assert charge["amount"] == 10000
    assert charge["currency"] == "usd"
    assert charge["description"] == "FrameSeller photo: Brooklyn Bridge"
    assert charge["metadata"] == {
        "order_id": str(order.pk),
        "product_id": str(product.pk),
        "email": user.email,
        "installation": settings.FRAMESELLER_INSTALLATION,
    }
    assert charge["customer"] == order.stripe_customer_id == user.__class__.objects.get().stripe_customer_id


def test_product_id_may_be_a_numeric_string(auth_client, stripe_emulator):
    product = ProductFactory(price=Decimal("12.50"))

    response = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(), "product": str(product.pk)}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["order"]["product"]["price"] == 12.5
    assert [c["amount"] for c in stripe_emulator.paid_charges()] == [1250]


def test_second_purchase_reuses_the_stripe_customer(auth_client, user, stripe_emulator):
    for product in ProductFactory.create_batch(2):
        response = auth_client.post(
            ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json"
        )
        assert response.status_code == 201

    customers = {c["customer"] for c in stripe_emulator.paid_charges()}
    assert len(customers) == 1
    assert len(stripe_emulator.paid_charges()) == 2


def test_price_or_amount_sent_by_client_is_ignored(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(), "product": product.pk, "price": 1, "amount": 1, "currency": "jpy"}

    response = auth_client.post(ORDERS, body, format="json")

    assert response.status_code == 201
    [charge] = stripe_emulator.paid_charges()
    assert (charge["amount"], charge["currency"]) == (10000, "usd")


@pytest.mark.parametrize("number", [DECLINED_AT_CHARGE, DECLINED_AT_ATTACH])
def test_declined_card_records_failed_order(auth_client, product, stripe_emulator, number):
    response = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(number), "product": product.pk}, format="json"
    )

    assert response.status_code == 402
    order = Order.objects.get()
    assert response.json() == {
        "success": False,
        "error": "Your card was declined.",
        "code": "payment_declined",
        "order_id": order.pk,
    }
    assert order.status == Order.Status.FAILED
    assert order.failure_reason == "Your card was declined."
    assert stripe_emulator.paid_charges() == []


def test_token_unknown_to_stripe_is_402_and_failed(auth_client, product, stripe_emulator):
    response = auth_client.post(ORDERS, {"token": "tok_doesnotexist123", "product": product.pk}, format="json")

    assert response.status_code == 402
    assert response.json()["success"] is False
    # Stripe's own message (real Stripe: "No such token: ..."; the emulator: "Not Found").
    assert response.json()["error"]
    assert Order.objects.get().status == Order.Status.FAILED
    assert stripe_emulator.charges() == []


def test_stripe_customer_gone_from_stripe_is_replaced(auth_client, user, product, stripe_emulator):
    user.stripe_customer_id = "cus_fromanotheraccount"
    user.save()

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 201
    user.refresh_from_db()
    assert user.stripe_customer_id.startswith("cus_") and user.stripe_customer_id != "cus_fromanotheraccount"
    [charge] = stripe_emulator.paid_charges()
    assert charge["customer"] == user.stripe_customer_id
