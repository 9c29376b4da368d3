"""GET and POST /api/order/, through the real Stripe SDK talking HTTP to the emulator."""

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import user_token_issue
from orders.models import Order
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"
DECLINED_AT_CHARGE = "4000000000000341"
DECLINED_AT_ATTACH = "4000000000000002"

pytestmark = pytest.mark.django_db


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {user_token_issue(user=user)}")
    return client


# --- Buying ------------------------------------------------------------------------


def test_successful_purchase_records_paid_order_and_charges_server_price(auth_client, user, stripe_emulator):
    product = ProductFactory(title="Brooklyn Bridge", price=Decimal("100.00"))
    token = stripe_emulator.card_token()

    response = auth_client.post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["success"] is True
    order = Order.objects.get()
    assert body["id"] == order.pk
    assert body["order"]["paymentstatus"] == "PAID"
    assert order.status == Order.Status.PAID
    assert order.price == Decimal("100.00")
    [charge] = stripe_emulator.paid_charges()
    assert order.stripe_charge_id == charge["id"]
    assert charge["amount"] == 10000
    assert charge["currency"] == "usd"
    assert charge["description"] == "FrameSeller photo: Brooklyn Bridge"
    assert charge["metadata"] == {"order_id": str(order.pk), "product_id": str(product.pk), "email": user.email}
    assert charge["customer"] == order.stripe_customer_id == user.__class__.objects.get().stripe_customer_id


def test_product_id_may_be_a_numeric_string(auth_client, stripe_emulator):
    product = ProductFactory(price=Decimal("12.50"))

    response = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(), "product": str(product.pk)}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["order"]["product"]["price"] == 12.5
    assert [c["amount"] for c in stripe_emulator.paid_charges()] == [1250]


def test_second_purchase_reuses_the_stripe_customer(auth_client, user, product, stripe_emulator):
    for _ in range(2):
        response = auth_client.post(
            ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json"
        )
        assert response.status_code == 201

    customers = {c["customer"] for c in stripe_emulator.paid_charges()}
    assert len(customers) == 1
    assert len(stripe_emulator.paid_charges()) == 2


def test_price_or_amount_sent_by_client_is_ignored(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(), "product": product.pk, "price": 1, "amount": 1, "currency": "jpy"}

    response = auth_client.post(ORDERS, body, format="json")

    assert response.status_code == 201
    [charge] = stripe_emulator.paid_charges()
    assert (charge["amount"], charge["currency"]) == (10000, "usd")


@pytest.mark.parametrize("number", [DECLINED_AT_CHARGE, DECLINED_AT_ATTACH])
def test_declined_card_records_failed_order(auth_client, product, stripe_emulator, number):
    response = auth_client.post(
        ORDERS, {"token": stripe_emulator.card_token(number), "product": product.pk}, format="json"
    )

    assert response.status_code == 402
    order = Order.objects.get()
    assert response.json() == {"success": False, "error": "Your card was declined.", "order_id": order.pk}
    assert order.status == Order.Status.FAILED
    assert order.failure_reason == "Your card was declined."
    assert stripe_emulator.paid_charges() == []


def test_token_unknown_to_stripe_is_402_and_failed(auth_client, product, stripe_emulator):
    response = auth_client.post(ORDERS, {"token": "tok_doesnotexist123", "product": product.pk}, format="json")

    assert response.status_code == 402
    assert response.json()["success"] is False
    # Stripe's own message (real Stripe: "No such token: ..."; the emulator: "Not Found").
    assert response.json()["error"]
    assert Order.objects.get().status == Order.Status.FAILED
    assert stripe_emulator.charges() == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "required"),
        ({"product": 1}, "Token: This field is required."),
        ({"token": "tok_x"}, "Product: This field is required."),
        ({"token": "", "product": 1}, "blank"),
        ({"token": "not-a-token", "product": 1}, "Not a Stripe card token"),
        ({"token": "tok_" + "a" * 300, "product": 1}, "Token"),
        ({"token": ["tok_x"], "product": 1}, "Token"),
        ({"token": "tok_x", "product": "abc"}, "A valid integer is required."),
        ({"token": "tok_x", "product": 1.5}, "Product"),
        ({"token": "tok_x", "product": True}, "Product"),
        ({"token": "tok_x", "product": -3}, "Product"),
        ({"token": "tok_x", "product": None}, "Product"),
        ({"token": "tok_x", "product": 99999}, "Unknown product"),
    ],
)
def test_bad_order_input_is_400_nothing_recorded_nothing_charged(auth_client, product, stripe_emulator, body, fragment):
    if body.get("token") == "tok_x":
        body = {**body, "token": stripe_emulator.card_token()}

    response = auth_client.post(ORDERS, body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["success"] is False
    assert fragment in data["error"]
    assert not Order.objects.exists()
    assert stripe_emulator.charges() == []


def test_product_not_on_sale_is_400(auth_client, stripe_emulator):
    product = ProductFactory(on_sale=False)

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 400
    assert not Order.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"tok_x"'])
def test_non_object_body_is_400(auth_client, raw):
    response = auth_client.post(ORDERS, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert not Order.objects.exists()


def test_bad_idempotency_key_is_400(auth_client, product, stripe_emulator):
    response = auth_client.post(
        ORDERS,
        {"token": stripe_emulator.card_token(), "product": product.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 300,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]
    assert not Order.objects.exists()


def test_post_without_token_is_403(api_client, product):
    response = api_client.post(ORDERS, {"token": "tok_abc", "product": product.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Order.objects.exists()


# --- Never twice --------------------------------------------------------------------


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


def test_token_used_by_another_shopper_is_refused(product, stripe_emulator):
    token = stripe_emulator.card_token()
    assert (
        _client_for(UserFactory()).post(ORDERS, {"token": token, "product": product.pk}, format="json").status_code
        == 201
    )

    response = _client_for(UserFactory()).post(ORDERS, {"token": token, "product": product.pk}, format="json")

    assert response.status_code == 400
    assert "already been used" in response.json()["error"]
    assert Order.objects.count() == 1
    assert len(stripe_emulator.paid_charges()) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_charge_once(stripe_emulator):
    user = UserFactory()
    product = ProductFactory()
    token = user_token_issue(user=user)
    card = stripe_emulator.card_token()
    statuses, order_ids = [], []
    barrier = threading.Barrier(20)
    lock = threading.Lock()

    def buy():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
        barrier.wait()
        try:
            response = client.post(
                ORDERS, {"token": card, "product": product.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
            )
            with lock:
                statuses.append(response.status_code)
                order_ids.append(response.json().get("id") or response.json().get("order_id"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 20
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert Order.objects.count() == 1
    assert set(order_ids) == {Order.objects.get().pk}
    assert len(stripe_emulator.charges()) == 1


# --- Outages and reconciliation -----------------------------------------------------------


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


# --- Listing ---------------------------------------------------------------------------


def test_orders_list_shows_own_orders_newest_first_with_charged_price(auth_client, user):
    product = ProductFactory(price=Decimal("100.00"))
    old = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="PAID")
    new = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="FAILED")
    product.price = Decimal("250.00")
    product.save()

    response = auth_client.get(ORDERS)

    assert response.status_code == 200
    data = response.json()
    assert [o["id"] for o in data] == [new.pk, old.pk]
    first = data[1]
    assert first["user"] == user.pk
    assert first["paymentstatus"] == "PAID"
    assert first["orderdate"].endswith("Z")
    assert first["product"] == {
        "id": product.pk,
        "price": 100,
        "description": product.description,
        "url": product.url,
        "title": product.title,
        "currency": "usd",
    }


def test_shopper_b_never_sees_shopper_a_orders(product):
    alice, bob = UserFactory(), UserFactory()
    Order.objects.create(user=alice, product=product, price=product.price, currency="usd")

    assert _client_for(bob).get(ORDERS).json() == []
    assert len(_client_for(alice).get(ORDERS).json()) == 1


def test_get_orders_without_token_is_403(api_client):
    response = api_client.get(ORDERS)

    assert response.status_code == 403
    assert response.json()["detail"]


def _query_count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ORDERS).status_code == 200
    return len(queries)


def test_order_list_query_count_is_constant(auth_client, user):
    products = ProductFactory.create_batch(5)
    Order.objects.create(user=user, product=products[0], price=Decimal("1"), currency="usd")
    one = _query_count(auth_client)
    Order.objects.bulk_create(
        Order(user=user, product=products[i % 5], price=Decimal("1"), currency="usd") for i in range(99)
    )

    hundred = _query_count(auth_client)

    assert len(auth_client.get(ORDERS).json()) == 100
    assert one == hundred


# --- Review findings: never twice, never lost ---------------------------------------------


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


def test_reconcile_during_an_inflight_charge_does_not_lose_the_payment(
    auth_client, product, stripe_emulator, monkeypatch
):
    """Reconciliation judging too early is corrected by the charge that then succeeds."""
    from django.core.management import call_command

    from orders import payments

    real_charge = payments.charge

    def charge_after_an_early_reconcile(**kwargs):
        call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
        return real_charge(**kwargs)

    monkeypatch.setattr(payments, "charge", charge_after_an_early_reconcile)

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 201
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == stripe_emulator.paid_charges()[0]["id"]


def test_retry_after_product_left_the_catalog_replays_the_first_outcome(auth_client, product, stripe_emulator):
    body = {"token": stripe_emulator.card_token(), "product": product.pk}
    first = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-off")
    product.on_sale = False
    product.save()

    again = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-off")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]


def test_stripe_customer_gone_from_stripe_is_replaced(auth_client, user, product, stripe_emulator):
    user.stripe_customer_id = "cus_fromanotheraccount"
    user.save()

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 201
    user.refresh_from_db()
    assert user.stripe_customer_id.startswith("cus_") and user.stripe_customer_id != "cus_fromanotheraccount"
    [charge] = stripe_emulator.paid_charges()
    assert charge["customer"] == user.stripe_customer_id


def test_stripe_refusing_the_charge_request_is_502_and_unpaid(auth_client, product, stripe_emulator, monkeypatch):
    """Stripe answering an error that is not about the card: 502, nothing charged, settled later."""
    import stripe

    real_request = stripe.RequestsClient.request

    def request(self, method, url, headers, post_data=None):
        if method == "post" and url.endswith("/v1/charges"):
            body = b'{"error": {"type": "invalid_request_error", "message": "Invalid currency: xyz"}}'
            return body, 400, {"request-id": "req_test"}
        return real_request(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", request)

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 502
    assert response.json()["error"] == "The payment service could not process this payment; nothing was charged."
    order = Order.objects.get()
    assert order.status == Order.Status.UNPAID
    monkeypatch.undo()
    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert stripe_emulator.paid_charges() == []


def test_deeply_nested_json_is_400(auth_client):
    response = auth_client.post(ORDERS, "[" * 30000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."


def test_form_encoded_body_is_400(auth_client, product):
    response = auth_client.post(
        ORDERS, f"token=tok_x&product={product.pk}", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert not Order.objects.exists()


def test_missing_trailing_slash_is_json_404_with_a_hint(auth_client):
    response = auth_client.post("/api/order", {"token": "tok_x", "product": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found. API addresses end with a slash: /api/order/"


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_of_one_photo_with_different_keys_charge_once(stripe_emulator):
    """Two tabs, two keys, two cards, the same photo at the same moment: one order is charged, the other waits."""
    user, product = UserFactory(), ProductFactory()
    jwt = user_token_issue(user=user)
    cards = [stripe_emulator.card_token() for _ in range(5)]
    statuses = []
    barrier = threading.Barrier(5)

    def buy(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"JWT {jwt}")
        barrier.wait()
        try:
            response = client.post(
                ORDERS,
                {"token": cards[index], "product": product.pk},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"tab-{index}",
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    orders = list(Order.objects.order_by("ordered_at"))
    assert statuses.count(201) == len(orders) >= 1
    assert set(statuses) <= {201, 409}
    assert all(order.status == Order.Status.PAID for order in orders)
    assert len(stripe_emulator.paid_charges()) == len(orders)
    # Never two UNPAID orders of the photo at once: each was recorded after the previous one was settled.
    for previous, following in zip(orders, orders[1:], strict=False):
        assert following.ordered_at >= previous.updated_at
