"""STRIPE_PAYMENT_FLOW=payment_intents: the server-side amount through a PaymentIntent, 3-D Secure when asked."""

import time

import pytest
from django.conf import settings as django_settings

from orders.models import Order, PaymentEvent
from tests.cards import DECLINED_AT_CHARGE, THREE_D_SECURE, THREE_D_SECURE_THEN_DECLINED
from tests.factories import UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payment_intents(settings):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"


def _buy(client, emulator, product, number, key="k-1"):
    body = {"token": emulator.card_token(number), "product": product.pk}
    return client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _confirm(client, order_id):
    return client.post(f"/api/order/{order_id}/confirm/", format="json")


def test_a_card_without_authentication_pays_at_once(auth_client, product, stripe_emulator):
    response = _buy(auth_client, stripe_emulator, product, "4242424242424242")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    [intent] = stripe_emulator.payment_intents()
    assert order.status == Order.Status.PAID
    assert order.stripe_payment_intent_id == intent["id"]
    assert (intent["amount"], intent["currency"], intent["status"]) == (10000, "usd", "succeeded")
    assert intent["metadata"]["order_id"] == str(order.pk)
    assert intent["metadata"]["installation"] == django_settings.FRAMESELLER_INSTALLATION
    latest = intent["latest_charge"]
    assert order.stripe_charge_id == (latest["id"] if isinstance(latest, dict) else latest)


@pytest.mark.django_db(transaction=True)  # the receipt follows the payment's commit (orders.after_payment)
def test_three_d_secure_completed_pays(auth_client, product, stripe_emulator, smtp_server):
    response = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE)

    assert response.status_code == 202
    body = response.json()
    order = Order.objects.get()
    assert body == {
        "success": False,
        "requires_action": True,
        "client_secret": body["client_secret"],
        "order_id": order.pk,
    }
    assert order.status == Order.Status.UNPAID
    # Before the shopper answers the bank: still in progress; a repeat answers the challenge again.
    assert _confirm(auth_client, order.pk).status_code == 409
    assert _buy(auth_client, stripe_emulator, product, THREE_D_SECURE).json()["client_secret"] == body["client_secret"]

    assert stripe_emulator.authenticate(body["client_secret"], success=True).status_code == 200
    confirmed = _confirm(auth_client, order.pk)

    assert confirmed.status_code == 201
    assert confirmed.json()["order"]["paymentstatus"] == "PAID"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(stripe_emulator.paid_charges()) == 1
    assert order.payment_events.filter(kind=PaymentEvent.Kind.REQUIRES_ACTION).count() == 1
    assert len(smtp_server.messages) == 1


def test_three_d_secure_failed_is_402_and_failed(auth_client, product, stripe_emulator):
    body = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE).json()

    stripe_emulator.authenticate(body["client_secret"], success=False)
    confirmed = _confirm(auth_client, body["order_id"])

    assert confirmed.status_code == 402
    assert confirmed.json()["success"] is False
    assert "authentication" in confirmed.json()["error"]
    assert Order.objects.get().status == Order.Status.FAILED
    assert stripe_emulator.paid_charges() == []


def test_authenticated_but_declined_card_is_402_and_failed(auth_client, product, stripe_emulator):
    body = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE_THEN_DECLINED).json()

    stripe_emulator.authenticate(body["client_secret"], success=True)
    confirmed = _confirm(auth_client, body["order_id"])

    assert confirmed.status_code == 402
    assert Order.objects.get().status == Order.Status.FAILED
    assert stripe_emulator.paid_charges() == []


def test_a_declined_card_is_402_at_once(auth_client, product, stripe_emulator):
    response = _buy(auth_client, stripe_emulator, product, DECLINED_AT_CHARGE)

    assert response.status_code == 402
    assert response.json()["error"] == "Your card was declined."
    assert Order.objects.get().status == Order.Status.FAILED


def test_confirming_someone_elses_order_is_404(auth_client, product, stripe_emulator, client_for):
    body = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE).json()

    response = _confirm(client_for(UserFactory()), body["order_id"])

    assert response.status_code == 404
    assert _confirm(auth_client, 999999).status_code == 404


def test_confirm_needs_a_login(api_client):
    assert api_client.post("/api/order/1/confirm/").status_code == 403


def test_a_lost_answer_is_settled_by_reconcile_from_the_payment_intent(
    auth_client, product, stripe_emulator, stripe_faults
):
    from io import StringIO

    from django.core.management import call_command

    stripe_faults.answer_lost("/v1/payment_intents")
    assert _buy(auth_client, stripe_emulator, product, "4242424242424242").status_code == 503
    stripe_faults.heal()

    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert len(stripe_emulator.payment_intents()) == 1


@pytest.mark.django_db(transaction=True)
def test_the_emulators_own_webhook_settles_the_order(live_server, stripe_emulator, client_for, settings):
    """The emulator posts payment_intent.succeeded, signed, to the registered endpoint, as `make run` sets up."""
    from tests.factories import ProductFactory

    stripe_emulator.register_webhook(f"{live_server.url}/api/stripe/webhook/", settings.STRIPE_WEBHOOK_SECRET)
    user, product = UserFactory(), ProductFactory()
    client = client_for(user)
    body = _buy(client, stripe_emulator, product, THREE_D_SECURE).json()

    stripe_emulator.authenticate(body["client_secret"], success=True)  # no confirm call: the webhook settles it

    received = PaymentEvent.objects.filter(
        kind=PaymentEvent.Kind.WEBHOOK,
        stripe_event_type="payment_intent.succeeded",
        stripe_object_id=body["client_secret"].split("_secret_")[0],
    )
    deadline = time.monotonic() + 10
    while not received.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    order = Order.objects.get()
    assert order.status == Order.Status.PAID, list(PaymentEvent.objects.values_list("stripe_event_type", "detail"))
    assert received.get().order == order
