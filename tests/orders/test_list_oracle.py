"""GET /api/order/ fast against its oracle, OrderSerializer: byte for byte, for every status and dispute state.

The fast list (orders.selectors.order_list_rows, orders.serializers.order_list_data) shapes rows
itself; these tests build every kind of row an order can give — each payment status with each dispute
state, a card or none, a failure reason or none, a product with or without a title or photos, prices
with and without cents, dates with and without a fraction of a second — and compare the answers.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from catalog.models import Product
from orders.models import Order, order_state_downloadable
from orders.selectors import order_list
from orders.serializers import OrderSerializer
from orders.settlement import order_mark_disputed
from tests.factories import ProductFactory

ORDERS = "/api/order/"
DISPUTES = ("no dispute", "disputed open", "dispute lost", "dispute won")
CARDS = (("", ""), ("Visa", "4242"), ("American Express", "0005"))
FAILURES = ("", "Your card was declined.", 'Kartenzahlung "abgelehnt" \u2028 – ünïcode')

pytestmark = pytest.mark.django_db


def _dispute(order: Order, state: str) -> None:
    if state == "no dispute":
        return
    order_mark_disputed(order=order, dispute_id=f"dp_{order.pk}", open_=True, detail="needs_response")
    if state != "disputed open":
        order_mark_disputed(order=order, dispute_id=f"dp_{order.pk}", open_=False, detail=state.split()[-1])


@pytest.fixture
def every_kind_of_order(user) -> list[Order]:
    """One order per (status, dispute state), sixteen in all, with the row's other fields varied across them."""
    products = [
        ProductFactory(price=Decimal("100.00")),
        ProductFactory(price=Decimal("12.50"), description="Line\u2028separator, \u2029 and ünïcode"),
        ProductFactory(price=Decimal("0.50"), currency="eur"),
        ProductFactory(price=Decimal("99999999.99"), description='"Quoted" <b>not bold</b> \\ backslash'),
    ]
    # Rows the model's validation would refuse, but a database can hold: a blank title; a photo whose
    # derivatives are gone (its URLs are "" in both shapes).
    Product.objects.filter(pk=products[1].pk).update(title="")
    Product.objects.filter(pk=products[3].pk).update(preview="", thumbnail="")
    start = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    orders = []
    for i, (status, dispute) in enumerate((status, dispute) for status in Order.Status for dispute in DISPUTES):
        product = products[i % len(products)]
        brand, last4 = CARDS[i % len(CARDS)] if status != Order.Status.UNPAID else ("", "")
        order = Order.objects.create(
            user=user,
            product=product,
            price=product.price,
            currency=product.currency,
            status=status,
            # Every third order on a whole second: MariaDB's text of it ends in .000000, SQLite's has no fraction.
            ordered_at=start + timedelta(hours=i, microseconds=0 if i % 3 == 0 else i),
            failure_reason=FAILURES[1 + i % 2] if status == Order.Status.FAILED else "",
            card_brand=brand,
            card_last4=last4,
        )
        _dispute(order, dispute)
        orders.append(order)
    return orders


def _serializer_json(orders, response) -> bytes:
    return JSONRenderer().render(OrderSerializer(orders, many=True, context={"request": response.wsgi_request}).data)


def test_the_fast_list_answers_the_serializers_json_for_every_status_and_dispute_state(
    auth_client, user, every_kind_of_order
):
    response = auth_client.get(ORDERS, HTTP_ACCEPT_ENCODING="identity")

    assert response.status_code == 200
    assert response.content == _serializer_json(order_list(user=user), response)
    answered = response.json()
    assert len(answered) == 16
    assert {(o["paymentstatus"], o["downloadable"]) for o in answered} == {
        ("UNPAID", False),
        ("PAID", True),  # no dispute, or a dispute won
        ("PAID", False),  # a dispute open or lost
        ("FAILED", False),
        ("REFUNDED", False),
    }


def test_every_page_answers_the_serializers_json_for_its_orders(auth_client, user, every_kind_of_order):
    newest_first = list(order_list(user=user))
    url, start = f"{ORDERS}?limit=3", 0
    while url:
        response = auth_client.get(url, HTTP_ACCEPT_ENCODING="identity")
        assert response.status_code == 200
        page = newest_first[start : start + 3]
        assert response.content == _serializer_json(page, response)
        start += len(page)
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].removeprefix("http://testserver") if link else None

    assert start == len(newest_first) == 16


def test_an_order_listed_as_downloadable_is_exactly_one_a_download_link_is_issued_for(auth_client, every_kind_of_order):
    listed = {o["id"]: o["downloadable"] for o in auth_client.get(ORDERS).json()}

    issued = {order.pk: auth_client.post(f"{ORDERS}{order.pk}/download/").status_code for order in every_kind_of_order}

    assert {pk: status == 200 for pk, status in issued.items()} == listed
    assert sorted(set(issued.values())) == [200, 409, 410]  # issued, not paid yet, paid but revoked


@pytest.mark.parametrize("status", Order.Status)
@pytest.mark.parametrize("disputed", [False, True, 0, 1])  # a model's bool, or a row's 0 or 1
def test_only_a_paid_order_without_a_dispute_open_or_lost_is_downloadable(status, disputed):
    assert order_state_downloadable(status, disputed) is (status == Order.Status.PAID and not disputed)
    assert order_state_downloadable(str(status), disputed) is order_state_downloadable(status, disputed)
