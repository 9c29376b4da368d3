"""Order transitions: a settled outcome is never undone by a late or repeated one."""

import pytest

from orders import settlement
from orders.models import Order

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def test_paid_order_is_never_marked_failed_later(order):
    settlement.order_mark_paid(order=order, charge_id="ch_1")

    settlement.order_mark_failed(order=order, reason="late decline")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == "ch_1"


def test_successful_charge_wins_over_an_earlier_failed_verdict(order):
    """A charge that went through is the truth, even if reconciliation judged the order too early."""
    settlement.order_mark_failed(order=order, reason="No payment was received for this order; nothing was charged.")

    settlement.order_mark_paid(order=order, charge_id="ch_2")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == "ch_2"
    assert order.failure_reason == ""


def test_refunded_order_is_never_marked_paid_again(order):
    settlement.order_mark_paid(order=order, charge_id="ch_4")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)

    settlement.order_mark_paid(order=order, charge_id="ch_5")

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
