"""`manage.py reconcile_orders`: settle UNPAID orders from what Stripe recorded."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders import placing, settlement
from orders.models import Order, PaymentEvent
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db


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


def test_order_whose_stripe_customer_is_gone_is_still_settled(
    auth_client, product, stripe_emulator, charge_answer_lost
):
    """Reconciliation finds the charge by its metadata even when Stripe no longer knows the customer."""
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    order = Order.objects.get()
    stripe_emulator.delete_customer(order.stripe_customer_id)

    output = _reconcile("--older-than", "0")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID, output
    assert order.stripe_charge_id == stripe_emulator.paid_charges()[0]["id"]


def test_a_charge_of_another_installation_never_settles_an_order(
    auth_client, product, stripe_emulator, charge_answer_lost, settings
):
    """Two installations share one Stripe account: the other's charge for "its" order 1 is not ours."""
    order = Order.objects.create(
        user=UserFactory(), product=product, price=product.price, currency="usd", installation="fs-ours"
    )
    settings.FRAMESELLER_INSTALLATION = "fs-theirs"
    # The other installation's order with the same id, paid by a customer of the shared account.
    Order.objects.filter(pk=order.pk).update(installation="fs-theirs")
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": ProductFactory().pk}, format="json")
    [theirs] = stripe_emulator.paid_charges()
    Order.objects.filter(pk=order.pk).update(
        installation="fs-ours",
        stripe_customer_id=theirs["customer"],
        charge_attempted_at=timezone.now() - timedelta(hours=1),
    )
    stripe_emulator.set_charge_metadata(theirs["id"], order_id=str(order.pk), installation="fs-theirs")

    _reconcile("--older-than", "0")

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.stripe_charge_id == ""


def test_a_charge_for_another_customer_never_settles_an_order(user, product, stripe_emulator, client_for, settings):
    """Same installation, same order id in the metadata, another shopper's customer: not this order's payment."""
    other = client_for(UserFactory())
    other.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    [charge] = stripe_emulator.paid_charges()
    mine = Order.objects.create(
        user=user,
        product=product,
        price=product.price,
        currency="usd",
        installation=settings.FRAMESELLER_INSTALLATION,
        stripe_customer_id="cus_mine",
        charge_attempted_at=timezone.now() - timedelta(hours=1),
    )
    stripe_emulator.set_charge_metadata(charge["id"], order_id=str(mine.pk))

    _reconcile("--older-than", "0")

    mine.refresh_from_db()
    assert mine.status == Order.Status.FAILED


def test_reconcile_refunds_a_second_charge_of_one_order(auth_client, product, stripe_emulator, charge_answer_lost):
    """A second succeeded charge for one order (a lost idempotency key): the first is kept, the other refunded."""
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    order = Order.objects.get()
    [first] = stripe_emulator.paid_charges()
    second = stripe_emulator.charge_again(first)

    output = _reconcile("--older-than", "0")
    _reconcile("--older-than", "0")  # idempotent: nothing refunded twice

    order.refresh_from_db()
    assert order.status == Order.Status.PAID, output
    assert order.stripe_charge_id in (first["id"], second)
    [extra] = {first["id"], second} - {order.stripe_charge_id}
    charges = {c["id"]: c for c in stripe_emulator.charges()}
    assert charges[order.stripe_charge_id]["amount_refunded"] == 0
    assert charges[extra]["amount_refunded"] == charges[extra]["amount"]
    [refund] = order.payment_events.filter(kind=PaymentEvent.Kind.EXTRA_CHARGE_REFUNDED)
    assert refund.stripe_object_id == extra


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


# --- One run per environment at a time; a run that could not reach Stripe fails ------------------


@pytest.fixture
def other_run():
    """The lock as another instance's run holds it: through a connection of its own."""
    from django.db import connection

    from orders.management.commands.reconcile_orders import reconcile_lock

    other = connection.copy()
    try:
        with reconcile_lock(other) as held:
            assert held
            yield
    finally:
        other.close()


def test_a_run_while_another_holds_the_lock_settles_nothing(user, product, stripe_emulator, other_run):
    stale = Order.objects.create(
        user=user, product=product, price=product.price, currency="usd", ordered_at=timezone.now() - timedelta(hours=1)
    )

    output = _reconcile()

    assert "another reconcile_orders run holds the lock" in output
    stale.refresh_from_db()
    assert stale.status == Order.Status.UNPAID


def test_the_lock_is_let_go_after_a_run(user, product, stripe_emulator):
    from django.db import connection

    from orders.management.commands.reconcile_orders import reconcile_lock

    _reconcile()

    other = connection.copy()
    try:
        with reconcile_lock(other) as held:
            assert held
    finally:
        other.close()


def test_a_run_that_skipped_orders_because_stripe_was_down_fails(
    auth_client, product, stripe_emulator, charge_answer_lost
):
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    stripe_emulator.stop()
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 order\(s\) skipped: Stripe could not be asked"):
        call_command("reconcile_orders", "--older-than", "0", stdout=out)

    assert "skipped, left UNPAID: The payment service is unavailable" in out.getvalue()
    assert Order.objects.get().status == Order.Status.UNPAID
