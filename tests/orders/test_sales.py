"""The admin's sales page: staff only, exact amounts per currency, the same figures as CSV, constant queries."""

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Dispute, DownloadEvent, Order, PaymentEvent
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

SALES = "/admin/orders/order/sales/"
YEAR = {"start": "2026-01-01", "end": "2026-12-31", "period": "month"}


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def order(user, product, day: str, *, status=Order.Status.PAID, price="19.99", currency="usd", **fields) -> Order:
    return Order(
        user=user, product=product, price=Decimal(price), currency=currency, status=status, ordered_at=at(day), **fields
    )


@pytest.fixture
def shop(user):
    """Two photos under two licences, a few sales in USD and EUR, a refund, a dispute and downloads."""
    harbour = ProductFactory(title="Harbour", license="CC BY 4.0")
    dunes = ProductFactory(title="Dunes", license="All rights reserved")
    orders = Order.objects.bulk_create(
        [
            order(user, harbour, "2026-03-02"),
            order(user, harbour, "2026-03-15"),
            order(user, dunes, "2026-03-20", status=Order.Status.REFUNDED),
            order(user, dunes, "2026-03-21", status=Order.Status.FAILED),
            order(user, dunes, "2026-04-03", price="5.00", currency="eur", disputed=True),
        ]
    )
    PaymentEvent.objects.create(
        order=orders[2], kind=PaymentEvent.Kind.REFUNDED, amount=1999, created_at=at("2026-04-01")
    )
    Dispute.objects.create(
        order=orders[4], stripe_dispute_id="dp_1", amount=500, currency="eur", created_at=at("2026-04-05")
    )
    DownloadEvent.objects.create(order=orders[0], kind=DownloadEvent.Kind.ISSUED, bytes=1000, at=at("2026-03-02"))
    DownloadEvent.objects.create(order=orders[0], kind=DownloadEvent.Kind.SERVED, bytes=1000, at=at("2026-03-02"))
    return orders


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_revenue_by_month_is_exact_and_per_currency(admin_client, shop):
    response = admin_client.get(SALES, {**YEAR, "csv": "periods"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows_of(response) == [
        [
            "period_start",
            "currency",
            "checkouts",
            "sales",
            "failed",
            "revenue",
            "refunds",
            "refunded",
            "net",
            "disputed",
        ],
        ["2026-03-01", "USD", "4", "3", "1", "59.97", "0", "0.00", "59.97", "0"],
        ["2026-04-01", "EUR", "1", "1", "0", "5.00", "0", "0.00", "5.00", "1"],
        ["2026-04-01", "USD", "0", "0", "0", "0.00", "1", "19.99", "-19.99", "0"],
    ]


def test_weeks_start_on_monday(admin_client, shop):
    response = admin_client.get(SALES, {"start": "2026-03-01", "end": "2026-03-31", "period": "week", "csv": "periods"})

    assert [row[:4] for row in rows_of(response)[1:]] == [
        ["2026-03-02", "USD", "1", "1"],
        ["2026-03-09", "USD", "1", "1"],  # Sunday 15 March is in the week of Monday 9 March
        ["2026-03-16", "USD", "2", "1"],
    ]


def test_photos_and_licences_as_csv(admin_client, shop):
    photos = rows_of(admin_client.get(SALES, {**YEAR, "csv": "photos"}))
    licences = rows_of(admin_client.get(SALES, {**YEAR, "csv": "licences"}))

    assert [row[1:] for row in photos[1:]] == [
        ["Harbour", "USD", "2", "39.98"],
        ["Dunes", "EUR", "1", "5.00"],
        ["Dunes", "USD", "1", "19.99"],
    ]
    assert licences[1:] == [
        ["CC BY 4.0", "USD", "2", "39.98"],
        ["All rights reserved", "EUR", "1", "5.00"],
        ["All rights reserved", "USD", "1", "19.99"],
    ]


def test_the_page_shows_a_chart_per_currency_beside_its_table(admin_client, shop):
    response = admin_client.get(SALES, YEAR)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg role="img"') == 2  # EUR and USD, never added together
    assert "Revenue in USD by month" in html and "Revenue in EUR by month" in html
    assert html.count("<rect") == 24  # a bar a month, zero ones included
    assert "<caption>USD by month</caption>" in html
    assert "<title>Mar 2026: 59.97 USD</title>" in html
    assert "<caption>Top photos</caption>" in html and "Harbour" in html
    assert "<caption>Sales by licence</caption>" in html and "All rights reserved" in html
    assert "<caption>Disputes opened</caption>" in html and "needs_response" in html
    assert "<caption>Downloads</caption>" in html and "served" in html


def test_the_order_list_links_to_the_sales_page(admin_client):
    assert SALES in admin_client.get("/admin/orders/order/").content.decode()


def test_a_range_ending_before_it_starts_is_refused(admin_client, shop):
    response = admin_client.get(SALES, {"start": "2026-05-01", "end": "2026-04-01", "csv": "periods"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "The start comes after the end." in response.content.decode()


def test_too_many_days_by_day_is_refused(admin_client):
    response = admin_client.get(SALES, {"start": "2024-01-01", "end": "2026-01-01", "period": "day"})

    assert "choose a longer period or a shorter range" in response.content.decode()


def test_a_text_cell_a_spreadsheet_would_run_is_quoted(admin_client, user):
    Order.objects.create(
        user=user,
        product=ProductFactory(title="=HYPERLINK(1)"),
        price=1,
        currency="usd",
        status="PAID",
        ordered_at=at("2026-06-01"),
    )

    photos = rows_of(admin_client.get(SALES, {**YEAR, "csv": "photos"}))

    assert photos[1][1] == "'=HYPERLINK(1)"


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(SALES, {**YEAR, "csv": "periods"})

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_shopper_is_refused(client, user):
    client.force_login(user)

    response = client.get(SALES, {**YEAR, "csv": "periods"})

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_who_may_not_view_orders_are_refused(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.get(SALES).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert client.get(SALES).status_code == 200


def many_orders(count: int, products, users) -> None:
    """`count` orders over 2026, in USD and EUR, of every status, with refunds and downloads: bulk-inserted."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = [Order.Status.PAID] * 6 + [Order.Status.REFUNDED, Order.Status.FAILED, Order.Status.UNPAID]
    orders = Order.objects.bulk_create(
        (
            Order(
                user=users[n % len(users)],
                product=products[n % len(products)],
                price=Decimal("19.99") if n % 3 else Decimal("7.45"),
                currency="eur" if n % 5 == 0 else "usd",
                status=statuses[n % len(statuses)],
                disputed=n % 97 == 0,
                ordered_at=start + timedelta(minutes=(n * 52_560) // max(count, 1) * 10),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    PaymentEvent.objects.bulk_create(
        PaymentEvent(order=o, kind=PaymentEvent.Kind.REFUNDED, amount=o.amount_minor_units, created_at=o.ordered_at)
        for o in orders
        if o.status == Order.Status.REFUNDED
    )
    DownloadEvent.objects.bulk_create(
        DownloadEvent(order=o, kind=DownloadEvent.Kind.SERVED, bytes=2_000_000, at=o.ordered_at)
        for o in orders[::4]
        if o.status == Order.Status.PAID
    )


def page_queries(client, params) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(SALES, params)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return len(queries.captured_queries), elapsed


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_the_page_costs_the_same_queries_for_ten_orders_or_ten_thousand(admin_client, period, capsys):
    products = [ProductFactory(license=licence) for licence in ("CC0 1.0", "CC BY 4.0", "All rights reserved")]
    users = UserFactory.create_batch(5)
    params = {**YEAR, "period": period}
    many_orders(10, products, users)
    few, _ = page_queries(admin_client, params)
    many_orders(9_990, products, users)

    many, elapsed = page_queries(admin_client, params)
    csv_queries, _ = page_queries(admin_client, {**params, "csv": "periods"})

    assert many == few <= 10
    assert csv_queries <= 5
    with capsys.disabled():
        print(
            f"\nsales page by {period}, 10,000 orders on {connection.vendor}: {many} queries, {elapsed * 1000:.0f} ms"
        )


def test_ten_thousand_orders_add_up_exactly(admin_client):
    products = [ProductFactory()]
    users = UserFactory.create_batch(2)
    many_orders(10_000, products, users)
    sold = Order.objects.filter(status__in=[Order.Status.PAID, Order.Status.REFUNDED])
    expected = {
        currency: sum((o.price for o in sold if o.currency == currency), Decimal("0.00")) for currency in ("usd", "eur")
    }

    rows = rows_of(admin_client.get(SALES, {**YEAR, "csv": "periods"}))[1:]

    revenue = {currency: sum(Decimal(row[5]) for row in rows if row[1] == currency.upper()) for currency in expected}
    assert revenue == expected
    assert all(len(row[5].split(".")[1]) == 2 for row in rows)
    assert date.fromisoformat(rows[0][0]) == date(2026, 1, 1)
