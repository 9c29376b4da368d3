"""Data migrations of the orders app, run forwards on real rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_orders_awaiting_3d_secure_in_the_ledger_become_awaiting_authentication():
    old = _migrate([("orders", "0007_order_list_index")])
    User, Product = old.get_model("accounts", "User"), old.get_model("catalog", "Product")
    Order, PaymentEvent = old.get_model("orders", "Order"), old.get_model("orders", "PaymentEvent")
    user = User.objects.create(email="a@example.com")
    product = Product.objects.create(title="Harbour", price="10.00", currency="usd")
    asked, asked_then_paid, never_asked = (
        Order.objects.create(user=user, product=product, price="10.00", currency="usd", status=status)
        for status in ("UNPAID", "PAID", "UNPAID")
    )
    for order in (asked, asked_then_paid):
        PaymentEvent.objects.create(order=order, kind="requires_action", stripe_object_id="pi_1")

    new = _migrate([("orders", "0008_order_awaiting_authentication")])
    try:
        awaiting = dict(new.get_model("orders", "Order").objects.values_list("pk", "awaiting_authentication"))
        assert awaiting == {asked.pk: True, asked_then_paid.pk: False, never_asked.pk: False}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
