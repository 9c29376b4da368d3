"""GET /api/order/: the shopper's own orders, newest first, in a constant number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def test_orders_list_shows_own_orders_newest_first_with_charged_price(auth_client, user):
    product = ProductFactory(price=Decimal("100.00"))
    old = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="PAID")
    new = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="FAILED")
    product.price = Decimal("250.00")
    product.save()

    response = auth_client.get(ORDERS)

    assert response.status_code == 200
    data = response.json()
    assert [o["id"] for o in data] == [new.pk, old.pk]
    first = data[1]
    assert first["user"] == user.pk
    assert first["paymentstatus"] == "PAID"
    assert first["orderdate"].endswith("Z")
    assert first["product"] == {
        "id": product.pk,
        "price": 100,
        "description": product.description,
        "url": f"http://testserver/media/{product.preview.name}",
        "thumbnail_url": f"http://testserver/media/{product.thumbnail.name}",
        "title": product.title,
        "currency": "usd",
    }


def test_shopper_b_never_sees_shopper_a_orders(product, client_for):
    alice, bob = UserFactory(), UserFactory()
    Order.objects.create(user=alice, product=product, price=product.price, currency="usd")

    assert client_for(bob).get(ORDERS).json() == []
    assert len(client_for(alice).get(ORDERS).json()) == 1


def test_get_orders_without_token_is_403(api_client):
    response = api_client.get(ORDERS)

    assert response.status_code == 403
    assert response.json()["detail"]


def _query_count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ORDERS).status_code == 200
    return len(queries)


def test_order_list_query_count_is_constant(auth_client, user):
    products = ProductFactory.create_batch(5)
    Order.objects.create(user=user, product=products[0], price=Decimal("1"), currency="usd")
    auth_client.get(ORDERS)  # with Redis, the first request keeps the token's user in the cache
    one = _query_count(auth_client)
    Order.objects.bulk_create(
        Order(user=user, product=products[i % 5], price=Decimal("1"), currency="usd") for i in range(99)
    )

    hundred = _query_count(auth_client)

    assert len(auth_client.get(ORDERS).json()) == 100
    assert one == hundred


def test_order_price_is_a_snapshot(order, product):
    product.price = product.price * 3
    product.save()

    order.refresh_from_db()
    assert order.amount_minor_units == 10000
