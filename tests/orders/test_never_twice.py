"""Retries, duplicates and concurrent requests never charge a shopper twice."""

import pytest

from orders import placing, settlement
from orders.models import Order
from tests.cards import DECLINED_AT_CHARGE
from tests.concurrency import run_concurrently
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def test_same_idempotency_key_replays_first_outcome(auth_client, product, stripe_emulator):
    first = auth_client.post(
        ORDERS,
        {"token": stripe_emulator.card_token(), "product": product.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    # A retry, even with a fresh token, answers the first attempt's outcome.
    second = auth_client.post(
        ORDERS,
        {"token": stripe_emulator.card_token(), "product": product.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1
    assert len(stripe_emulator.paid_charges()) == 1


def test_reused_token_does_not_charge_twice(auth_client, product, stripe_emulator):
    token = stripe_emulator.card_token()

    first = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")
    second = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1
    assert len(stripe_emulator.paid_charges()) == 1


def test_declined_retry_with_same_key_replays_decline(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(DECLINED_AT_CHARGE), "product": product.pk}

    first = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    second = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert first.status_code == second.status_code == 402
    assert first.json() == second.json()
    assert Order.objects.count() == 1


def test_token_used_by_another_shopper_is_refused(product, stripe_emulator, client_for):
    token = stripe_emulator.card_token()
    assert (
        client_for(UserFactory()).post(ORDERS, {"token": token, "product": product.pk}, format="json").status_code
        == 201
    )

    response = client_for(UserFactory()).post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert response.status_code == 400
    assert "already been used" in response.json()["error"]
    assert Order.objects.count() == 1
    assert len(stripe_emulator.paid_charges()) == 1


def test_retry_after_product_left_the_catalog_replays_the_first_outcome(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(), "product": product.pk}
    first = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-off")
    product.on_sale = False
    product.save()

    again = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-off")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]


def test_new_purchase_of_a_photo_whose_payment_is_unconfirmed_is_409(auth_client, user, product, stripe_emulator):
    token = stripe_emulator.card_token()
    stripe_emulator.stop()
    assert auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json").status_code == 503
    stripe_emulator.start()

    # The shopper tries again with a new card token and a new key: refused until settled.
    response = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )

    assert response.status_code == 409
    assert "still being confirmed" in response.json()["error"]
    assert Order.objects.count() == 1
    assert stripe_emulator.paid_charges() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_charge_once(stripe_emulator, client_for):
    user, product = UserFactory(), ProductFactory()
    card = stripe_emulator.card_token()

    def buy(_):
        body = {"token": card, "product": product.pk}
        return client_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    responses = run_concurrently(20, buy)

    statuses = [response.status_code for response in responses]
    order_ids = [response.json().get("id") or response.json().get("order_id") for response in responses]
    assert len(statuses) == 20
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert Order.objects.count() == 1
    assert set(order_ids) == {Order.objects.get().pk}
    assert len(stripe_emulator.charges()) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_of_one_photo_with_different_keys_charge_once(stripe_emulator, client_for):
    """Two tabs, two keys, two cards, the same photo at the same moment: one order is charged, the other waits."""
    user, product = UserFactory(), ProductFactory()
    cards = [stripe_emulator.card_token() for _ in range(5)]

    def buy(index):
        body = {"token": cards[index], "product": product.pk}
        return client_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=f"tab-{index}")

    statuses = [response.status_code for response in run_concurrently(5, buy)]

    orders = list(Order.objects.order_by("ordered_at"))
    assert statuses.count(201) == len(orders) >= 1
    assert set(statuses) <= {201, 409}
    assert all(order.status == Order.Status.PAID for order in orders)
    assert len(stripe_emulator.paid_charges()) == len(orders)
    # Never two UNPAID orders of the photo at once: each was recorded after the previous one was settled.
    for previous, following in zip(orders, orders[1:], strict=False):
        assert following.ordered_at >= previous.updated_at


def test_only_one_claim_to_charge_an_order(order):
    assert placing._order_claim_charge(order=order, customer_id="cus_1") is True
    assert placing._order_claim_charge(order=order, customer_id="cus_1") is False


def test_settled_order_cannot_be_claimed(order):
    settlement.order_mark_paid(order=order, charge_id="ch_3")

    assert placing._order_claim_charge(order=order, customer_id="cus_1") is False


def test_idempotency_keys_differing_in_case_are_distinct(user, product):
    """On MySQL too (binary collation): "abc" and "ABC" are two keys, as on SQLite."""
    Order.objects.create(
        user=user, product=product, price=1, currency="usd", idempotency_key="abc", stripe_token="tok_a"
    )
    Order.objects.create(
        user=user, product=product, price=1, currency="usd", idempotency_key="ABC", stripe_token="tok_A"
    )

    assert Order.objects.filter(idempotency_key="abc").count() == 1


def test_same_key_for_another_photo_is_422_and_charges_nothing(auth_client, product, stripe_emulator):
    first = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    other = ProductFactory()

    again = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(), "product": other.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert first.status_code == 201
    assert again.status_code == 422
    assert again.json()["success"] is False
    assert "already used for another purchase" in again.json()["error"]
    assert Order.objects.count() == 1
    assert len(stripe_emulator.paid_charges()) == 1


def test_same_token_for_another_photo_is_refused(auth_client, product, stripe_emulator):
    token = stripe_emulator.card_token()
    assert auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json").status_code == 201

    again = auth_client.post(ORDERS, {"token": token, "product": ProductFactory().pk}, format="json")

    assert again.status_code == 400
    assert len(stripe_emulator.paid_charges()) == 1
