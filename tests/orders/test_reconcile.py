"""`manage.py reconcile_orders`: settle UNPAID orders from what Stripe recorded."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders import placing, settlement
from orders.models import Order

ORDERS = "/api/order/"
DECLINED_AT_CHARGE = "4000000000000341"
DECLINED_AT_ATTACH = "4000000000000002"

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(user, product):
    return Order.objects.create(user=user, product=product, price=product.price, currency="usd")


@pytest.fixture
def charge_answer_lost(stripe_faults):
    """The charge reaches Stripe, but its answer never comes back (a read timeout)."""
    stripe_faults.answer_lost("/v1/charges")


def _reconcile(*args) -> str:
    out = StringIO()
    call_command("reconcile_orders", *args, stdout=out)
    return out.getvalue()


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


def test_reconcile_does_not_fail_an_order_claimed_meanwhile(order):
    """The 'never charged' verdict is taken under the lock: a claim that got there first wins."""
    stale_copy = Order.objects.get(pk=order.pk)
    placing._order_claim_charge(order=order, customer_id="cus_1")

    settlement.order_mark_failed(order=stale_copy, reason="never charged", unattempted_only=True)

    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


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


def test_reconcile_threshold_must_exceed_a_purchase_worst_case(settings):
    from orders.checks import check_reconcile_after_purchase_worst_case

    assert check_reconcile_after_purchase_worst_case(None) == []
    settings.RECONCILE_AFTER_SECONDS = 30

    [error] = check_reconcile_after_purchase_worst_case(None)

    assert error.id == "orders.E001"
