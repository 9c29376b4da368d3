"""What one purchase costs: its calls to Stripe and its database queries, pinned so that a regression fails.

The shopper already has a Stripe Customer (bought before), as in every purchase but their first.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.conftest import tasks_backend_use
from tests.factories import ProductFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def _buy(client, emulator, product, key: str):
    body = {"token": emulator.card_token(), "product": product.pk}
    response = client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201, response.json()
    return response


@pytest.fixture
def returning_client(auth_client, stripe_emulator):
    """A logged-in shopper who bought a photo before: their Stripe Customer exists."""
    _buy(auth_client, stripe_emulator, ProductFactory(), "first")
    return auth_client


def test_a_purchase_attaches_the_card_and_charges_it_nothing_more(returning_client, stripe_emulator, stripe_requests):
    _buy(returning_client, stripe_emulator, ProductFactory(), "second")

    customer = Order.objects.first().stripe_customer_id
    assert stripe_requests == [("post", f"/v1/customers/{customer}/sources"), ("post", "/v1/charges")]


def test_a_payment_intent_purchase_attaches_the_card_and_creates_one_intent(
    returning_client, stripe_emulator, stripe_requests, settings
):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"

    _buy(returning_client, stripe_emulator, ProductFactory(), "second")

    customer = Order.objects.first().stripe_customer_id
    assert stripe_requests == [("post", f"/v1/customers/{customer}/sources"), ("post", "/v1/payment_intents")]


def test_a_purchase_runs_at_most_twenty_queries_in_three_transactions(
    returning_client, stripe_emulator, django_capture_on_commit_callbacks, settings
):
    """Record the order; claim it; record it PAID (then, after the commit, the receipt's task enqueued: one row).

    The login, the photo, the shopper's row lock and Stripe customer, the earlier-order and
    unpaid-or-owned checks, and the answer take the rest; the answer reads nothing again.
    """
    product = ProductFactory()
    tasks_backend_use(settings, "django_tasks_db.DatabaseBackend")  # as deployed: the worker sends the receipt

    # What follows the payment's commit runs too (inside the test's transaction nothing commits).
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True) as followers:
        _buy(returning_client, stripe_emulator, product, "second")
    assert len(followers) == 1  # the payment's one announcement

    statements = [q["sql"] for q in queries.captured_queries]
    # Inside the test's own transaction each atomic block is a savepoint.
    transactions = [sql for sql in statements if sql.startswith("SAVEPOINT")]
    assert len(transactions) == 3, statements
    assert len(statements) <= 20, statements
