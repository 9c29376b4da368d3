"""Fixtures shared by the order tests."""

import pytest

from orders.models import Order


@pytest.fixture
def order(user, product):
    """The shopper's UNPAID order of the product, as a purchase records it before charging."""
    return Order.objects.create(user=user, product=product, price=product.price, currency="usd")


@pytest.fixture
def charge_answer_lost(stripe_faults):
    """The charge reaches Stripe, but its answer never comes back (a read timeout)."""
    stripe_faults.answer_lost("/v1/charges")
