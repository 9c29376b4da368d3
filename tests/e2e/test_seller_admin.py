"""The seller's admin pages in Chromium, under the admin's Content-Security-Policy: sales at a glance, a dispute.

The sales page draws its chart with the styles of a file (no inline style is allowed), beside its
table; a dispute's drafted evidence is read and submitted to the emulator with one click.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from playwright.sync_api import expect

from orders import payments
from orders.models import Dispute, Order
from tests.e2e.test_admin_and_docs_pages import tab  # noqa: F401 - the fixture
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(watched, live_server) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    watched.open(f"{live_server.url}/admin/login/")
    watched.page.get_by_label("Email").fill(staff.email)
    watched.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    watched.page.get_by_role("button", name="Log in").click()
    expect(watched.page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_the_sales_page_draws_its_chart_beside_its_table_under_the_policy(tab, live_server):  # noqa: F811
    user, product = UserFactory(), ProductFactory(title="Harbour")
    Order.objects.bulk_create(
        Order(
            user=user,
            product=product,
            price=Decimal("19.99"),
            currency="usd",
            status=Order.Status.PAID,
            ordered_at=datetime(2026, month, 10, tzinfo=UTC),
        )
        for month in (1, 2, 2, 5)
    )
    log_in(tab, live_server)

    tab.open(f"{live_server.url}/admin/orders/order/")
    tab.page.get_by_role("link", name="Sales at a glance").click()
    tab.page.get_by_label("From", exact=True).fill("2026-01-01")
    tab.page.get_by_label("to", exact=True).fill("2026-12-31")
    tab.page.get_by_role("button", name="Show").click()

    chart = tab.page.get_by_role("img", name="Revenue in USD by month")
    expect(chart).to_be_visible()
    bar = chart.locator("rect.bar").nth(1)
    assert bar.evaluate("rect => getComputedStyle(rect).fill") == "rgb(65, 118, 144)"  # the stylesheet applies
    assert bar.evaluate("rect => rect.getBoundingClientRect().height") > 0
    table = tab.page.get_by_role("table", name="USD by month")
    expect(table.get_by_role("row", name="2026-02-01")).to_contain_text("39.98")
    expect(table.locator("tfoot")).to_contain_text("79.96")
    tab.assert_clean()


def test_staff_read_a_disputes_evidence_and_submit_it_in_one_click(tab, live_server, stripe_emulator):  # noqa: F811
    product = ProductFactory(title="Harbour")
    customer = payments.customer_create(user_id=1, email="ada@example.com", name="Ada")
    card = payments.card_attach(customer_id=customer.id, token=stripe_emulator.card_token(), idempotency_key="card-1")
    charge = payments.charge(
        customer_id=customer.id,
        card_id=card.id,
        amount=1999,
        currency="usd",
        description="Harbour",
        metadata={},
        idempotency_key="charge-1",
    )
    remote = requests.post(f"{stripe_emulator.url}/_config/disputes", data={"charge": charge.id}, timeout=5).json()
    order = Order.objects.create(
        user=UserFactory(), product=product, price=Decimal("19.99"), currency="usd", status="PAID", disputed=True
    )
    dispute = Dispute.objects.create(
        order=order,
        stripe_dispute_id=remote["id"],
        due_by=datetime.now(UTC) + timedelta(days=6),
        evidence={"customer_name": "Ada Lovelace", "access_activity_log": "line one\nline two"},
    )
    log_in(tab, live_server)

    tab.open(f"{live_server.url}/admin/orders/dispute/{dispute.pk}/change/")
    log_cell = tab.page.get_by_role("row", name="access_activity_log").get_by_role("cell")
    expect(log_cell).to_have_text("line one\nline two")
    assert log_cell.evaluate("td => getComputedStyle(td).whiteSpace") == "pre-wrap"
    expect(tab.page.get_by_text(f"Due by {dispute.due_by:%Y-%m-%d %H:%M} UTC.")).to_be_visible()
    tab.page.get_by_role("button", name="Submit this evidence to Stripe").click()

    expect(tab.page.get_by_text("evidence submitted to Stripe")).to_be_visible()
    expect(tab.page.get_by_text("Evidence submitted on")).to_be_visible()
    tab.assert_clean()
    at_stripe = payments.dispute_retrieve(dispute_id=remote["id"])
    assert at_stripe.status == "under_review"
    assert at_stripe.evidence["access_activity_log"] == "line one\nline two"
