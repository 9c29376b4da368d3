"""`manage.py reconcile_orders`: settle UNPAID orders from what Stripe recorded."""

from datetime import timedelta
from io import StringIO

import pytest
import stripe
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


def _reconcile(*args) -> str:
    out = StringIO()
    call_command("reconcile_orders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def charge_answer_lost(monkeypatch, settings):
    """The charge reaches Stripe, but its answer never comes back (a read timeout)."""
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    real_request = stripe.RequestsClient.request

    def request(self, method, url, headers, post_data=None):
        result = real_request(self, method, url, headers, post_data)
        if method == "post" and url.endswith("/v1/charges"):
            raise stripe.APIConnectionError("Read timed out.")
        return result

    monkeypatch.setattr(stripe.RequestsClient, "request", request)


def test_charge_made_but_answer_lost_is_settled_paid(auth_client, product, stripe_emulator, charge_answer_lost):
    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 503
    order = Order.objects.get()
    assert order.status == Order.Status.UNPAID
    assert order.outcome_unknown is True
    [charge] = stripe_emulator.paid_charges()

    output = _reconcile("--older-than", "0")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == charge["id"]
    assert f"order {order.pk}: PAID" in output
    assert len(stripe_emulator.paid_charges()) == 1


def test_reconcile_is_idempotent(auth_client, product, stripe_emulator, charge_answer_lost):
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    _reconcile("--older-than", "0")

    second = _reconcile("--older-than", "0")

    assert "0 unpaid order(s) examined." in second
    assert Order.objects.get().status == Order.Status.PAID


def test_reconcile_leaves_recent_orders_alone(user, product, stripe_emulator):
    recent = Order.objects.create(user=user, product=product, price=product.price, currency="usd")

    output = _reconcile()

    recent.refresh_from_db()
    assert recent.status == Order.Status.UNPAID
    assert "0 unpaid order(s) examined." in output


def test_order_never_charged_is_settled_failed(user, product, stripe_emulator):
    stale = Order.objects.create(
        user=user, product=product, price=product.price, currency="usd", ordered_at=timezone.now() - timedelta(hours=1)
    )

    output = _reconcile()

    stale.refresh_from_db()
    assert stale.status == Order.Status.FAILED
    assert "nothing was charged" in stale.failure_reason
    assert f"order {stale.pk}: FAILED" in output


def test_reconcile_skips_when_stripe_is_unreachable(auth_client, product, stripe_emulator, charge_answer_lost):
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    stripe_emulator.stop()

    output = _reconcile("--older-than", "0")

    assert "skipped, left UNPAID: The payment service is unavailable" in output
    assert Order.objects.get().status == Order.Status.UNPAID


def test_order_whose_stripe_customer_is_gone_is_still_settled(
    auth_client, product, stripe_emulator, charge_answer_lost
):
    """Reconciliation finds the charge by its metadata even when the customer can't be listed."""
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    Order.objects.update(stripe_customer_id="cus_fromanothermode")

    output = _reconcile("--older-than", "0")

    order = Order.objects.get()
    assert order.status == Order.Status.PAID, output
    assert order.stripe_charge_id == stripe_emulator.paid_charges()[0]["id"]
