"""Stripe down, failing or refusing a request: the order stays UNPAID with the contract's answer, never lost."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders import errors, placing, settlement
from orders.models import Order

ORDERS = "/api/order/"
DECLINED_AT_CHARGE = "4000000000000341"
DECLINED_AT_ATTACH = "4000000000000002"

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(user, product):
    return Order.objects.create(user=user, product=product, price=product.price, currency="usd")


def test_emulator_down_leaves_order_unpaid_then_reconcile_settles_it(auth_client, product, stripe_emulator):
    token = stripe_emulator.card_token()
    stripe_emulator.stop()

    response = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert response.status_code == 503
    assert response.json()["success"] is False
    assert "settled shortly" in response.json()["error"]
    order = Order.objects.get()
    assert order.status == Order.Status.UNPAID
    # A retry while the outcome is unknown answers the same, without charging.
    again = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")
    assert again.status_code == 503

    stripe_emulator.start()
    from django.core.management import call_command

    call_command("reconcile_orders", "--older-than", "0")
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert stripe_emulator.charges() == []


def test_stripe_refusing_the_charge_request_is_502_and_unpaid(auth_client, product, stripe_emulator, stripe_faults):
    """Stripe answering an error that is not about the card: 502, nothing charged, settled later."""
    stripe_faults.refuse("/v1/charges", {"type": "invalid_request_error", "message": "Invalid currency: xyz"})

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 502
    assert response.json()["error"] == "The payment service could not process this payment; nothing was charged."
    order = Order.objects.get()
    assert order.status == Order.Status.UNPAID
    stripe_faults.heal()
    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert stripe_emulator.paid_charges() == []


def test_outcome_of_unknown_payment_is_503(order):
    order = settlement.order_mark_outcome_unknown(order=order)

    with pytest.raises(errors.OrderPaymentPending):
        placing._order_outcome(order=order)


def test_outcome_of_order_being_charged_is_409(order):
    order.charge_attempted_at = timezone.now()
    order.save()

    with pytest.raises(errors.OrderInProgress):
        placing._order_outcome(order=order)
