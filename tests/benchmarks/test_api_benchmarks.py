"""The hot read paths in-process, run once each by the suite (pytest-benchmark, timing disabled).

They assert only what must hold whatever the machine: the number of SQL queries per request.
The timing benchmark is `make bench` (devtools/bench): gunicorn, wrk and a bare-Django peer.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_bench_order_list_100_orders(benchmark, auth_client, user):
    products = ProductFactory.create_batch(10)
    Order.objects.bulk_create(
        Order(user=user, product=products[i % 10], price=Decimal("100"), currency="usd", status="PAID")
        for i in range(100)
    )

    def get():
        return auth_client.get("/api/order/")

    response = benchmark(get)

    assert len(response.json()) == 100
    with CaptureQueriesContext(connection) as queries:
        get()
    # The orders with their products, and the user behind the token unless the cache keeps it (Redis).
    assert len(queries) == (1 if settings.TOKEN_USER_CACHE_SECONDS else 2)


def test_bench_product_list(benchmark, api_client):
    ProductFactory.create_batch(50)

    response = benchmark(lambda: api_client.get("/api/product/"))

    assert len(response.json()) == 50
