"""GET /api/order/ fast: the same JSON as the serializer, pages with a Link header, compressed, never cached."""

import gzip
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.renderers import JSONRenderer

from orders.models import Order
from orders.selectors import _order_list_sql, order_list
from orders.serializers import OrderSerializer
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def _orders(user, count, **fields):
    product = ProductFactory(**fields)
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    return Order.objects.bulk_create(
        Order(user=user, product=product, price=product.price, currency="usd", ordered_at=start + timedelta(minutes=i))
        for i in range(count)
    )


def test_the_fast_list_answers_the_serializers_json_byte_for_byte(auth_client, user):
    _orders(user, 2, price=Decimal("12.50"), description="Line\u2028separator and ünïcode")
    _orders(user, 1, price=Decimal("100.00"))
    Order.objects.filter(pk=Order.objects.first().pk).update(
        ordered_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), card_brand="Visa", card_last4="4242"
    )

    response = auth_client.get(ORDERS, HTTP_ACCEPT_ENCODING="identity")

    context = {"request": response.wsgi_request}
    expected = JSONRenderer().render(OrderSerializer(order_list(user=user), many=True, context=context).data)
    assert response.content == expected


def test_pages_follow_the_link_header_to_the_whole_list(auth_client, user):
    _orders(user, 5)
    whole = auth_client.get(ORDERS).json()

    pages, url = [], f"{ORDERS}?limit=2"
    while url:
        response = auth_client.get(url)
        assert response.status_code == 200
        pages.append(response.json())
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].removeprefix("http://testserver") if link else None

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [order for page in pages for order in page] == whole


def test_a_new_order_does_not_shift_the_next_page(auth_client, user):
    _orders(user, 4)
    first = auth_client.get(f"{ORDERS}?limit=2")
    _orders(user, 1)  # newer than all: it would belong on page one
    link = first.headers["Link"]

    second = auth_client.get(link[1 : link.index(">")].removeprefix("http://testserver"))

    ids = [o["id"] for o in first.json() + second.json()]
    assert len(ids) == len(set(ids)) == 4


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=1.0", "limit=abc", "limit=\u0663", "limit=", "cursor=x"]
)
def test_a_bad_limit_or_cursor_is_400(auth_client, user, query):
    response = auth_client.get(f"{ORDERS}?{query}")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]


@pytest.mark.parametrize(
    "cursor", ["x", "W10", "WzEsMl0", "WyJub3QgYSBkYXRlIiwxXQ", "WyIyMDI2LTExLTAxVDEyOjAwOjAwIiwxXQ"]
)
def test_a_cursor_this_api_did_not_give_is_400(auth_client, user, cursor):
    response = auth_client.get(f"{ORDERS}?limit=2&cursor={cursor}")

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]


def test_order_lists_are_never_cached(auth_client, user):
    assert auth_client.get(ORDERS).headers["Cache-Control"] == "private, no-store"


def test_a_list_over_1_kb_is_gzipped_for_a_client_that_accepts_it(auth_client, user):
    _orders(user, 20)
    plain = auth_client.get(ORDERS)

    response = auth_client.get(ORDERS, HTTP_ACCEPT_ENCODING="gzip, br")

    assert len(plain.content) > 1024
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain.content
    assert len(response.content) < len(plain.content) / 3


def test_a_page_costs_two_queries_however_long_the_history(auth_client, user, django_assert_num_queries):
    _orders(user, 300)

    with django_assert_num_queries(2):  # the user behind the token, the page
        assert len(auth_client.get(f"{ORDERS}?limit=50").json()) == 50


def test_the_lists_sql_is_compiled_once_per_shape_of_request(auth_client, user):
    _orders(user, 5)
    for url in (ORDERS, f"{ORDERS}?limit=2"):
        first_page = auth_client.get(url)
        next_page = first_page.headers.get("Link", "").partition(">")[0][1:]
        if next_page:
            auth_client.get(next_page)
    compiled = _order_list_sql.cache_info().misses

    whole, page = auth_client.get(ORDERS), auth_client.get(f"{ORDERS}?limit=2")
    second = auth_client.get(page.headers["Link"].partition(">")[0][1:])

    assert _order_list_sql.cache_info().misses == compiled
    assert [order["id"] for order in page.json() + second.json()] == [order["id"] for order in whole.json()][:4]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)  # ANALYZE TABLE commits: the rows are flushed after the test
def test_a_page_of_a_long_history_reads_its_rows_off_an_index_in_order(user):
    """MariaDB answers a page from the (user, newest first, highest id) index, sorting nothing."""
    if connection.vendor != "mysql":
        pytest.skip("MySQL/MariaDB only: its optimizer's plan")
    products = ProductFactory.create_batch(100)  # a catalog, not two photos: the plan starts from the orders
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Order.objects.bulk_create(
        Order(
            user=shopper,
            product=products[i % 100],
            price=Decimal("20.00"),
            currency="usd",
            ordered_at=start + timedelta(minutes=i),
        )
        for shopper in (user, UserFactory())
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE orders_order")
        cursor.fetchall()
        sql, slots = _order_list_sql(connection.alias, 50, False)
        cursor.execute(f"EXPLAIN {sql}", [user.pk for _ in slots])
        columns = [column[0] for column in cursor.description]
        plan = {row[columns.index("table")]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}

    order = plan["orders_order"]
    assert order["key"] == "order_user_date_id_idx", [list(row.items()) for row in plan.values()]
    assert "filesort" not in (order["Extra"] or ""), plan
