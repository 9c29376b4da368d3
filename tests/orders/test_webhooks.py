"""POST /api/stripe/webhook/: Stripe's signed events, applied once, only to the order they belong to.

The emulator sends payment_intent.* events but no charge.* or dispute ones and never retries, so
these tests sign their own events with the endpoint's secret, as Stripe would.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import Order, PaymentEvent
from orders.settlement import order_downloadable
from tests.conftest import stripe_signature

WEBHOOK = "/api/stripe/webhook/"
ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid_order_with_charge(auth_client, product, stripe_emulator, charge_answer_lost):
    """An order whose charge succeeded on Stripe but whose answer was lost: UNPAID, outcome unknown."""
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    [charge] = stripe_emulator.paid_charges()
    return Order.objects.get(), charge


@pytest.fixture
def paid_order(auth_client, product, stripe_emulator):
    assert auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    [charge] = stripe_emulator.paid_charges()
    return Order.objects.get(), charge


def test_missing_or_wrong_signature_is_400_and_changes_nothing(api_client, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge
    payload = b'{"id": "evt_1", "type": "charge.succeeded", "data": {"object": {}}}'

    missing = api_client.post(WEBHOOK, payload, content_type="application/json")
    wrong = api_client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=stripe_signature(payload, "whsec_x")
    )
    stale = api_client.post(
        WEBHOOK,
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload, "whsec_frameseller_local_development", timestamp=1),
    )

    assert (missing.status_code, wrong.status_code, stale.status_code) == (400, 400, 400)
    assert missing.json() == {"detail": "Invalid Stripe signature or payload.", "code": "webhook_invalid"}
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID
    assert not PaymentEvent.objects.filter(kind=PaymentEvent.Kind.WEBHOOK).exists()


def test_charge_succeeded_makes_the_unpaid_order_paid(send_stripe_event, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge

    response = send_stripe_event("charge.succeeded", charge)

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "paid"}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == charge["id"]


def test_a_duplicate_event_does_nothing_again(send_stripe_event, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge
    send_stripe_event("charge.succeeded", charge, event_id="evt_same")

    again = send_stripe_event("charge.succeeded", charge, event_id="evt_same")

    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate, ignored"
    assert PaymentEvent.objects.filter(stripe_event_id="evt_same").count() == 1
    assert order.payment_events.filter(kind=PaymentEvent.Kind.PAID).count() == 1


def test_an_event_of_another_installation_or_customer_settles_nothing(send_stripe_event, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge
    theirs = {**charge, "metadata": {**charge["metadata"], "installation": "fs-another-shop"}}
    stranger = {**charge, "id": "ch_stranger", "customer": "cus_stranger"}

    answers = [send_stripe_event("charge.succeeded", obj).json()["outcome"] for obj in (theirs, stranger)]

    assert answers == ["no matching order", "no matching order"]
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


def test_charge_failed_fails_an_unpaid_order_but_never_a_paid_one(send_stripe_event, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge
    failed = {**charge, "status": "failed", "failure_message": "Your card was declined."}

    send_stripe_event("charge.failed", failed)
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    send_stripe_event("charge.succeeded", charge)  # Stripe's word that the money came wins
    send_stripe_event("charge.failed", failed)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_payment_intent_succeeded_and_failed(send_stripe_event, paid_order, user, product, settings):
    unpaid = Order.objects.create(
        user=user,
        product=product,
        price=product.price,
        currency="usd",
        installation=settings.FRAMESELLER_INSTALLATION,
        stripe_customer_id="cus_1",
        stripe_payment_intent_id="pi_1",
    )
    intent = {
        "id": "pi_1",
        "object": "payment_intent",
        "status": "succeeded",
        "customer": "cus_1",
        "latest_charge": "ch_of_pi_1",
        "amount": 10000,
        "metadata": {"order_id": str(unpaid.pk), "installation": settings.FRAMESELLER_INSTALLATION},
    }

    failed = send_stripe_event("payment_intent.payment_failed", {**intent, "status": "requires_payment_method"})
    send_stripe_event("payment_intent.succeeded", intent)

    assert failed.json()["outcome"] == "FAILED"
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.stripe_charge_id) == (Order.Status.PAID, "ch_of_pi_1")


def test_a_refund_from_the_dashboard_makes_the_order_refunded_and_not_downloadable(send_stripe_event, paid_order):
    order, charge = paid_order
    assert order_downloadable(order)
    refunded = {**charge, "refunded": True, "amount_refunded": charge["amount"]}

    response = send_stripe_event("charge.refunded", refunded)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not order_downloadable(order)
    assert order.payment_events.filter(kind=PaymentEvent.Kind.REFUNDED).exists()


def test_a_partial_refund_leaves_the_order_paid(send_stripe_event, paid_order):
    order, charge = paid_order

    send_stripe_event("charge.refunded", {**charge, "amount_refunded": 100})

    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_refund_seen_before_the_success_keeps_the_order_refunded(send_stripe_event, unpaid_order_with_charge):
    """Out of order: Stripe does not promise the order of its events."""
    order, charge = unpaid_order_with_charge
    order.stripe_charge_id = charge["id"]
    order.save()

    send_stripe_event("charge.refunded", {**charge, "amount_refunded": charge["amount"]})
    send_stripe_event("charge.succeeded", charge)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_dispute_stops_downloads_until_won(send_stripe_event, paid_order):
    order, charge = paid_order
    dispute = {"id": "dp_1", "object": "dispute", "charge": charge["id"], "status": "needs_response"}

    send_stripe_event("charge.dispute.created", dispute)
    order.refresh_from_db()
    assert order.disputed and not order_downloadable(order)
    send_stripe_event("charge.dispute.closed", {**dispute, "status": "won"})

    order.refresh_from_db()
    assert order_downloadable(order)


def test_a_lost_dispute_keeps_downloads_stopped(send_stripe_event, paid_order):
    order, charge = paid_order
    dispute = {"id": "dp_2", "object": "dispute", "charge": charge["id"], "status": "needs_response"}

    send_stripe_event("charge.dispute.created", dispute)
    send_stripe_event("charge.dispute.closed", {**dispute, "status": "lost"})

    order.refresh_from_db()
    assert not order_downloadable(order)


def test_a_second_charge_of_a_paid_order_is_refunded(send_stripe_event, paid_order, stripe_emulator):
    order, charge = paid_order
    second = stripe_emulator.charge_again(charge)
    [second_charge] = [c for c in stripe_emulator.charges() if c["id"] == second]

    response = send_stripe_event("charge.succeeded", second_charge)
    send_stripe_event("charge.succeeded", second_charge)  # a redelivery under another id: refunded once

    assert response.json()["outcome"] == f"extra charge {second} refunded"
    charges = {c["id"]: c for c in stripe_emulator.charges()}
    assert charges[second]["amount_refunded"] == charges[second]["amount"]
    assert charges[charge["id"]]["amount_refunded"] == 0
    assert order.payment_events.filter(kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED).count() == 1


def test_other_event_types_are_ignored(send_stripe_event):
    response = send_stripe_event("customer.created", {"id": "cus_1", "object": "customer"})

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"


def test_an_event_that_fails_answers_5xx_and_is_not_recorded(
    send_stripe_event, paid_order, stripe_emulator, api_client
):
    """Stripe unreachable while refunding an extra charge: 5xx so that Stripe retries; nothing half-applied."""
    order, charge = paid_order
    second = stripe_emulator.charge_again(charge)
    [second_charge] = [c for c in stripe_emulator.charges() if c["id"] == second]
    stripe_emulator.stop()
    api_client.raise_request_exception = False

    response = send_stripe_event("charge.succeeded", second_charge, event_id="evt_retry")

    assert response.status_code >= 500
    assert not PaymentEvent.objects.filter(stripe_event_id="evt_retry").exists()
    stripe_emulator.start()
    retried = send_stripe_event("charge.succeeded", second_charge, event_id="evt_retry")
    assert retried.status_code == 200
    assert order.payment_events.filter(kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED).count() == 1


def test_reconcile_after_webhook_changes_nothing(send_stripe_event, unpaid_order_with_charge):
    order, charge = unpaid_order_with_charge
    send_stripe_event("charge.succeeded", charge)

    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payment_events.filter(kind=PaymentEvent.Kind.PAID).count() == 1
