"""Order services: state transitions and the charge claim."""

import pytest
from django.utils import timezone

from orders import errors, placing, refunds, settlement
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(user, product):
    return Order.objects.create(user=user, product=product, price=product.price, currency="usd")


def test_paid_order_is_never_marked_failed_later(order):
    settlement.order_mark_paid(order=order, charge_id="ch_1")

    settlement.order_mark_failed(order=order, reason="late decline")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == "ch_1"


def test_successful_charge_wins_over_an_earlier_failed_verdict(order):
    """A charge that went through is the truth, even if reconciliation judged the order too early."""
    settlement.order_mark_failed(order=order, reason="No payment was received for this order; nothing was charged.")

    settlement.order_mark_paid(order=order, charge_id="ch_2")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_charge_id == "ch_2"
    assert order.failure_reason == ""


def test_refunded_order_is_never_marked_paid_again(order):
    settlement.order_mark_paid(order=order, charge_id="ch_4")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)

    settlement.order_mark_paid(order=order, charge_id="ch_5")

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_only_one_claim_to_charge_an_order(order):
    assert placing._order_claim_charge(order=order, customer_id="cus_1") is True
    assert placing._order_claim_charge(order=order, customer_id="cus_1") is False


def test_settled_order_cannot_be_claimed(order):
    settlement.order_mark_paid(order=order, charge_id="ch_3")

    assert placing._order_claim_charge(order=order, customer_id="cus_1") is False


def test_reconcile_does_not_fail_an_order_claimed_meanwhile(order):
    """The 'never charged' verdict is taken under the lock: a claim that got there first wins."""
    stale_copy = Order.objects.get(pk=order.pk)
    placing._order_claim_charge(order=order, customer_id="cus_1")

    settlement.order_mark_failed(order=stale_copy, reason="never charged", unattempted_only=True)

    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


def test_reconcile_threshold_must_exceed_a_purchase_worst_case(settings):
    from orders.checks import check_reconcile_after_purchase_worst_case

    assert check_reconcile_after_purchase_worst_case(None) == []
    settings.RECONCILE_AFTER_SECONDS = 30

    [error] = check_reconcile_after_purchase_worst_case(None)

    assert error.id == "orders.E001"


def test_idempotency_keys_differing_in_case_are_distinct(user, product):
    """On MySQL too (binary collation): "abc" and "ABC" are two keys, as on SQLite."""
    Order.objects.create(
        user=user, product=product, price=1, currency="usd", idempotency_key="abc", stripe_token="tok_a"
    )
    Order.objects.create(
        user=user, product=product, price=1, currency="usd", idempotency_key="ABC", stripe_token="tok_A"
    )

    assert Order.objects.filter(idempotency_key="abc").count() == 1


def test_outcome_of_unknown_payment_is_503(order):
    order = settlement.order_mark_outcome_unknown(order=order)

    with pytest.raises(errors.OrderPaymentPending):
        placing._order_outcome(order=order)


def test_outcome_of_order_being_charged_is_409(order):
    order.charge_attempted_at = timezone.now()
    order.save()

    with pytest.raises(errors.OrderInProgress):
        placing._order_outcome(order=order)


def test_order_price_is_a_snapshot(order, product):
    product.price = product.price * 3
    product.save()

    order.refresh_from_db()
    assert order.amount_minor_units == 10000


def test_refund_marks_paid_order_refunded_on_stripe(auth_client, product, stripe_emulator):
    import requests

    from tests.emulator_process import SECRET_KEY

    auth_client.post("/api/order/", {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    order = Order.objects.get()

    refunds.order_refund(order=order)

    assert order.status == Order.Status.REFUNDED
    charge = requests.get(
        f"{stripe_emulator.url}/v1/charges/{order.stripe_charge_id}", auth=(SECRET_KEY, ""), timeout=5
    ).json()
    assert charge["refunded"] is True
    with pytest.raises(errors.OrderNotRefundable):
        refunds.order_refund(order=order)


def test_unpaid_order_cannot_be_refunded(order):
    with pytest.raises(errors.OrderNotRefundable):
        refunds.order_refund(order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID
