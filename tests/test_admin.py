"""The Django admin for products, users and orders."""

import pytest

from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/product/",
        "/admin/accounts/user/?q=ada",
        "/admin/orders/order/?status__exact=PAID",
        "/admin/orders/order/?q=example.com",
    ],
)
def test_admin_changelists_load(admin_client, url, user, product):
    Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="PAID")

    response = admin_client.get(url)

    assert response.status_code == 200


def test_admin_order_page_shows_stripe_ids_read_only(admin_client, user, product):
    order = Order.objects.create(
        user=user, product=product, price=product.price, currency="usd", stripe_charge_id="ch_readonly"
    )

    response = admin_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "ch_readonly" in html
    assert 'name="stripe_charge_id"' not in html


def test_refund_action_refuses_unpaid_order(admin_client, user, product):
    order = Order.objects.create(user=user, product=product, price=product.price, currency="usd")

    response = admin_client.post(
        "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]}, follow=True
    )

    assert "Only a paid order can be refunded." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


def test_admin_address_without_slash_redirects(admin_client):
    response = admin_client.get("/admin")

    assert response.status_code == 301
    assert response["Location"] == "/admin/"


def test_admin_order_page_shows_the_payment_ledger(admin_client, user, product):
    from orders.models import Order, PaymentEvent

    order = Order.objects.create(user=user, product=product, price=product.price, currency="usd")
    PaymentEvent.objects.create(
        order=order, kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED, stripe_object_id="ch_extra", amount=10000
    )

    response = admin_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    assert b"Extra charge refunded" in response.content
    assert b"ch_extra" in response.content
