"""What follows payment: every path making an order PAID announces it once, after the commit (orders.after_payment)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from orders.after_payment import order_paid
from orders.models import Order
from orders.settlement import order_mark_paid
from tests.concurrency import run_concurrently
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"
THREE_D_SECURE = "4000002760003184"

# Committed for real: what follows payment runs after the commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced():
    """Every announcement of a PAID order, as (order id, path), seen by a follower connected for the test."""
    seen: list[tuple[int, str]] = []

    def follower(*, order, by, **_):
        seen.append((order.pk, by))

    order_paid.connect(follower, dispatch_uid="tests.announced")
    yield seen
    order_paid.disconnect(dispatch_uid="tests.announced")


def _buy(client, emulator, product, number="4242424242424242"):
    return client.post(ORDERS, {"token": emulator.card_token(number), "product": product.pk}, format="json")


def test_a_charged_purchase_is_announced_once(auth_client, product, stripe_emulator, smtp_server, announced):
    response = _buy(auth_client, stripe_emulator, product)

    assert response.status_code == 201
    assert announced == [(response.json()["id"], "purchase")]
    assert len(smtp_server.messages) == 1


def test_a_payment_intent_purchase_is_announced_once(
    auth_client, product, stripe_emulator, smtp_server, announced, settings
):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"

    response = _buy(auth_client, stripe_emulator, product)

    assert response.status_code == 201
    assert announced == [(response.json()["id"], "purchase")]
    assert len(smtp_server.messages) == 1


def test_three_d_secure_is_announced_when_confirmed_not_when_asked(
    auth_client, product, stripe_emulator, smtp_server, announced, settings
):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"

    asked = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE).json()
    order = Order.objects.get()
    assert order.awaiting_authentication
    assert announced == []
    stripe_emulator.authenticate(asked["client_secret"], success=True)
    confirmed = auth_client.post(f"/api/order/{order.pk}/confirm/", format="json")
    auth_client.post(f"/api/order/{order.pk}/confirm/", format="json")  # a repeat announces nothing more

    assert confirmed.status_code == 201
    assert announced == [(order.pk, "purchase")]
    assert len(smtp_server.messages) == 1
    order.refresh_from_db()
    assert not order.awaiting_authentication


def test_a_failed_authentication_is_no_longer_awaited_and_not_announced(
    auth_client, product, stripe_emulator, announced, settings
):
    settings.STRIPE_PAYMENT_FLOW = "payment_intents"

    asked = _buy(auth_client, stripe_emulator, product, THREE_D_SECURE).json()
    stripe_emulator.authenticate(asked["client_secret"], success=False)
    confirmed = auth_client.post(f"/api/order/{asked['order_id']}/confirm/", format="json")

    assert confirmed.status_code == 402
    order = Order.objects.get()
    assert (order.status, order.awaiting_authentication) == (Order.Status.FAILED, False)
    assert announced == []


def test_a_webhook_and_reconciliation_announce_the_order_they_pay(
    auth_client, product, stripe_emulator, stripe_faults, send_stripe_event, smtp_server, announced
):
    stripe_faults.answer_lost("/v1/charges")
    _buy(auth_client, stripe_emulator, product)
    _buy(auth_client, stripe_emulator, ProductFactory())
    stripe_faults.heal()
    first, second = Order.objects.order_by("id")
    by_webhook = next(c for c in stripe_emulator.paid_charges() if c["metadata"]["order_id"] == str(first.pk))

    assert send_stripe_event("charge.succeeded", by_webhook).status_code == 200
    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())

    assert sorted(announced) == [(first.pk, "webhook"), (second.pk, "reconciliation")]
    assert len(smtp_server.messages) == 2


def test_paths_racing_to_pay_one_order_announce_it_once(
    stripe_emulator, stripe_faults, send_stripe_event, client_for, announced
):
    stripe_faults.answer_lost("/v1/charges")
    product = ProductFactory()
    _buy(client_for(UserFactory()), stripe_emulator, product)
    stripe_faults.heal()
    order = Order.objects.get()
    [charge] = stripe_emulator.paid_charges()

    def settle(index: int):
        if index % 3 == 0:
            send_stripe_event("charge.succeeded", charge)
        elif index % 3 == 1:
            call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
        else:
            order_mark_paid(order=Order.objects.get(pk=order.pk), charge_id=charge["id"])

    run_concurrently(9, settle)

    assert len(announced) == 1
    assert announced[0][0] == order.pk


def test_a_payment_record_rolled_back_is_followed_by_nothing(user, product, smtp_server, announced):
    order = Order.objects.create(user=user, product=product, price=product.price, currency=product.currency)

    with pytest.raises(RuntimeError), transaction.atomic():
        order_mark_paid(order=order, charge_id="ch_rolled_back")
        raise RuntimeError("the caller's transaction fails after the payment was recorded")

    assert Order.objects.get().status == Order.Status.UNPAID
    assert announced == []
    assert smtp_server.messages == []


def test_a_failing_follower_neither_fails_the_purchase_nor_stops_the_followers_after_it(
    auth_client, product, stripe_emulator, smtp_server, caplog
):
    after: list[int] = []

    def broken(**_):
        raise RuntimeError("a follower's own bug")

    def next_one(*, order, **_):
        after.append(order.pk)

    order_paid.connect(broken, dispatch_uid="tests.broken")
    order_paid.connect(next_one, dispatch_uid="tests.next")
    try:
        response = _buy(auth_client, stripe_emulator, product)
    finally:
        order_paid.disconnect(dispatch_uid="tests.broken")
        order_paid.disconnect(dispatch_uid="tests.next")

    assert response.status_code == 201
    assert Order.objects.get().status == Order.Status.PAID
    assert after == [response.json()["id"]]
    assert len(smtp_server.messages) == 1
    assert "a follower's own bug" in caplog.text
