"""Ids and numbers are parsed whole: a trailing newline (which `$` lets through) makes them invalid, a 400."""

import pytest

from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("limit", ["2\n", "2%0A", "2\r\n"])
@pytest.mark.parametrize("path", ["/api/product/", "/api/order/"])
def test_a_limit_with_a_trailing_newline_is_400(auth_client, path, limit):
    from urllib.parse import quote

    raw = limit if "%" in limit else quote(limit)
    response = auth_client.get(f"{path}?limit={raw}")

    assert response.status_code == 400, response.content
    assert "limit" in response.json()["detail" if path == "/api/product/" else "error"]


def test_a_product_id_with_a_trailing_newline_is_400_and_nothing_is_recorded(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(), "product": f"{product.pk}\n"}

    response = auth_client.post("/api/order/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert not Order.objects.exists()


def test_an_idempotency_key_with_a_trailing_newline_is_400_and_nothing_is_recorded(
    auth_client, product, stripe_emulator
):
    body = {"token": stripe_emulator.card_token(), "product": product.pk}

    response = auth_client.post("/api/order/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1\n")

    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()["error"]
    assert not Order.objects.exists()
