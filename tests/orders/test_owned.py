"""Buying a photo the shopper already owns: 409, nothing charged, also when the requests race."""

import pytest

from orders.models import Order
from orders.refunds import order_refund
from tests.concurrency import run_concurrently
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"


def buy(client, stripe_emulator, product, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json", **headers)


@pytest.mark.django_db
def test_buying_an_owned_photo_is_409_and_charges_nothing(auth_client, product, stripe_emulator):
    assert buy(auth_client, stripe_emulator, product).status_code == 201
    owned = Order.objects.get()

    response = buy(auth_client, stripe_emulator, product)

    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "You already own this photo.",
        "code": "already_owned",
        "order_id": owned.pk,
    }
    assert Order.objects.count() == 1
    assert len(stripe_emulator.charges()) == 1


@pytest.mark.django_db
def test_retrying_the_purchase_with_its_key_still_answers_its_outcome(auth_client, product, stripe_emulator):
    first = buy(auth_client, stripe_emulator, product, key="tab-1")

    again = auth_client.post(
        ORDERS,
        {"token": stripe_emulator.card_token(), "product": product.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="tab-1",
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert len(stripe_emulator.charges()) == 1


@pytest.mark.django_db
def test_another_shopper_may_buy_the_same_photo(product, stripe_emulator, client_for):
    assert buy(client_for(UserFactory()), stripe_emulator, product).status_code == 201
    assert buy(client_for(UserFactory()), stripe_emulator, product).status_code == 201


@pytest.mark.django_db
def test_after_a_refund_the_photo_can_be_bought_again(auth_client, product, stripe_emulator):
    buy(auth_client, stripe_emulator, product)
    order_refund(order=Order.objects.get())

    response = buy(auth_client, stripe_emulator, product)

    assert response.status_code == 201
    assert sorted(Order.objects.values_list("status", flat=True)) == ["PAID", "REFUNDED"]
    assert len(stripe_emulator.paid_charges()) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already_owned", [False, True], ids=["first purchase", "already owned"])
def test_ten_concurrent_purchases_with_fresh_tokens_and_keys_charge_once(stripe_emulator, client_for, already_owned):
    """Ten tabs, ten keys, ten fresh tokens, one photo at the same moment: one charge at most."""
    user, product = UserFactory(), ProductFactory()
    if already_owned:
        assert buy(client_for(user), stripe_emulator, product).status_code == 201
    tokens = [stripe_emulator.card_token() for _ in range(10)]

    def attempt(index):
        body = {"token": tokens[index], "product": product.pk}
        return client_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=f"tab-{index}")

    statuses = [response.status_code for response in run_concurrently(10, attempt)]

    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) == (0 if already_owned else 1)
    assert Order.objects.filter(status=Order.Status.PAID).count() == 1
    assert len(stripe_emulator.charges()) == 1
