"""A Stripe brownout holds few threads: purchases beyond the bulkhead, or while the breaker is open, fail fast."""

import threading
import time

import pytest

from orders import payments
from orders.errors import OrderPaymentBusy
from orders.models import Order
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"


@pytest.mark.django_db(transaction=True)
def test_purchase_beyond_the_bulkhead_is_refused_at_once_and_charges_nothing(
    stripe_emulator, client_for, settings, monkeypatch
):
    settings.STRIPE_MAX_CONCURRENT_PURCHASES = 1
    in_stripe, let_go = threading.Event(), threading.Event()
    real_charge = payments.charge

    def slow_charge(**kwargs):
        in_stripe.set()
        let_go.wait(10)
        return real_charge(**kwargs)

    monkeypatch.setattr(payments, "charge", slow_charge)
    product = ProductFactory()
    first_shopper, second_shopper = UserFactory(), UserFactory()
    first_card, second_card = stripe_emulator.card_token(), stripe_emulator.card_token()
    first = {}

    def first_purchase():
        response = client_for(first_shopper).post(ORDERS, {"token": first_card, "product": product.pk}, format="json")
        first["status"] = response.status_code

    thread = threading.Thread(target=first_purchase)
    thread.start()
    try:
        assert in_stripe.wait(10)
        started = time.monotonic()
        refused = client_for(second_shopper).post(ORDERS, {"token": second_card, "product": product.pk}, format="json")
        elapsed = time.monotonic() - started
    finally:
        let_go.set()
        thread.join(15)

    assert refused.status_code == 503
    assert refused.json()["error"] == OrderPaymentBusy.default_message
    assert refused.json()["code"] == "payment_busy"
    assert int(refused["Retry-After"]) > 0
    assert elapsed < 1.0
    # Refused before anything was recorded: no FAILED order in the shopper's list.
    assert not Order.objects.filter(user=second_shopper).exists()
    assert first["status"] == 201
    [charge] = stripe_emulator.paid_charges()
    assert charge["metadata"]["order_id"] == str(Order.objects.get(user=first_shopper).pk)


@pytest.mark.django_db
def test_breaker_opens_after_failures_refuses_fast_then_lets_a_purchase_try_again(
    stripe_emulator, auth_client, settings, stripe_faults
):
    settings.STRIPE_BREAKER_FAILURES = 2
    settings.STRIPE_BREAKER_SECONDS = 1.5
    products = ProductFactory.create_batch(4)

    def buy(index):
        card = stripe_emulator.card_token()
        return auth_client.post(ORDERS, {"token": card, "product": products[index].pk}, format="json")

    stripe_faults.refuse("/v1/customers", {"type": "api_error", "message": "Stripe is having trouble."}, status=500)
    assert [buy(0).status_code, buy(1).status_code] == [503, 503]
    stripe_faults.heal()

    # Stripe is back, but the breaker is open: refused without trying it.
    refused = buy(2)
    assert refused.status_code == 503
    assert refused.json()["error"] == OrderPaymentBusy.default_message
    assert stripe_emulator.charges() == []

    time.sleep(1.6)
    assert buy(3).status_code == 201
    assert len(stripe_emulator.paid_charges()) == 1
