"""POST /api/order/ with bad input: 400 or 403 JSON, nothing recorded, nothing charged."""

import pytest

from orders.models import Order
from tests.factories import ProductFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "required"),
        ({"product": 1}, "Token: This field is required."),
        ({"token": "tok_x"}, "Product: This field is required."),
        ({"token": "", "product": 1}, "blank"),
        ({"token": "not-a-token", "product": 1}, "Not a Stripe card token"),
        ({"token": "tok_" + "a" * 300, "product": 1}, "Token"),
        ({"token": ["tok_x"], "product": 1}, "Token"),
        ({"token": "tok_x", "product": "abc"}, "A valid integer is required."),
        ({"token": "tok_x", "product": 1.5}, "Product"),
        ({"token": "tok_x", "product": True}, "Product"),
        ({"token": "tok_x", "product": -3}, "Product"),
        ({"token": "tok_x", "product": None}, "Product"),
        ({"token": "tok_x", "product": "1.0"}, "A valid integer is required."),
        ({"token": "tok_x", "product": "\uff11"}, "A valid integer is required."),
        ({"token": "tok_x", "product": " 1"}, "A valid integer is required."),
        ({"token": "tok_x", "product": "+1"}, "A valid integer is required."),
        ({"token": "tok_x", "product": 1.0}, "A valid integer is required."),
        ({"token": "tok_x", "product": 99999}, "Unknown product"),
    ],
)
def test_bad_order_input_is_400_nothing_recorded_nothing_charged(auth_client, product, stripe_emulator, body, fragment):
    if body.get("token") == "tok_x":
        body = {**body, "token": stripe_emulator.card_token()}

    response = auth_client.post(ORDERS, body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["success"] is False
    assert fragment in data["error"]
    assert not Order.objects.exists()
    assert stripe_emulator.charges() == []


def test_product_not_on_sale_is_400(auth_client, stripe_emulator):
    product = ProductFactory(on_sale=False)

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 400
    assert not Order.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"tok_x"'])
def test_non_object_body_is_400(auth_client, raw):
    response = auth_client.post(ORDERS, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert not Order.objects.exists()


def test_bad_idempotency_key_is_400(auth_client, product, stripe_emulator):
    response = auth_client.post(
        ORDERS,
        {"token": stripe_emulator.card_token(), "product": product.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 300,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]
    assert not Order.objects.exists()


def test_post_without_token_is_403(api_client, product):
    response = api_client.post(ORDERS, {"token": "tok_abc", "product": product.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Order.objects.exists()


def test_deeply_nested_json_is_400(auth_client):
    response = auth_client.post(ORDERS, "[" * 30000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."


def test_form_encoded_body_is_400(auth_client, product):
    response = auth_client.post(
        ORDERS, f"token=tok_x&product={product.pk}", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert not Order.objects.exists()
