"""Stripe down, failing or refusing a request: the order stays UNPAID with the contract's answer, never lost."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders import errors, placing, settlement
from orders.models import Order

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


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


@pytest.mark.django_db(transaction=True)
def test_database_down_during_the_charge_is_503_then_paid_after_reconcile(
    auth_client, product, stripe_emulator, monkeypatch, database_outage
):
    """The card is charged, then the database goes away before the outcome is recorded."""
    from orders import payments

    real_charge = payments.charge

    def charge_then_lose_the_database(**kwargs):
        charge = real_charge(**kwargs)
        database_outage.stop()
        return charge

    monkeypatch.setattr(payments, "charge", charge_then_lose_the_database)

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is False
    assert response.json()["error"] == errors.OrderPaymentPending.default_message
    database_outage.start()
    order = Order.objects.get()
    assert order.status == Order.Status.UNPAID
    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(stripe_emulator.paid_charges()) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "path"), [("get", "/api/product/"), ("get", "/api/order/"), ("post", "/admin/login/")]
)
def test_database_down_answers_503_json_everywhere(auth_client, product, database_outage, method, path):
    """The API's views, and a plain Django view (the admin's login), answer 503 JSON, never a 500 or HTML."""
    auth_client.raise_request_exception = False  # answer as in production, where nothing re-raises
    database_outage.stop()

    response = getattr(auth_client, method)(path, {"username": "a@example.com", "password": "x"})

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "temporarily unavailable" in (body.get("detail") or body.get("error"))
