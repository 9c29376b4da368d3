"""One email receipt per order that becomes PAID, by whichever path, sent to a real SMTP server (aiosmtpd)."""

from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import Order, PaymentEvent
from orders.receipts import order_receipt_send
from orders.settlement import order_mark_paid
from tests.cards import DECLINED_AT_CHARGE
from tests.concurrency import run_concurrently
from tests.factories import ProductFactory, UserFactory

ORDERS = "/api/order/"

# Committed for real: the receipt follows the payment once its transaction commits (orders.after_payment).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_purchase_sends_one_receipt_with_what_was_bought(auth_client, user, stripe_emulator, smtp_server):
    product = ProductFactory(title="Brooklyn Bridge")

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    order_receipt_send(order=Order.objects.get())  # a second path finding it paid sends nothing

    assert response.status_code == 201
    [mail] = smtp_server.messages
    order = Order.objects.get()
    body = mail.get_payload(decode=True).decode()
    assert mail["To"] == user.email
    assert mail["Subject"] == f"Your FrameSeller receipt: order #{order.pk}"
    for expected in ("Brooklyn Bridge", "100.00 USD", f"#{order.pk}", "Visa ending in 4242", "#/orders"):
        assert expected in body, expected
    assert order.receipt_sent_at is not None
    assert order.payment_events.filter(kind=PaymentEvent.Kind.RECEIPT_SENT).count() == 1


def test_a_declined_purchase_sends_no_receipt(auth_client, product, stripe_emulator, smtp_server):
    auth_client.post(ORDERS, {"token": stripe_emulator.card_token(DECLINED_AT_CHARGE), "product": product.pk})

    assert smtp_server.messages == []


def test_a_mail_outage_does_not_fail_the_purchase_and_reconcile_sends_it_later(
    auth_client, product, stripe_emulator, smtp_server, settings
):
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }

    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    assert response.status_code == 201
    assert Order.objects.get().receipt_sent_at is None
    settings.MAILERS = working
    call_command("reconcile_orders", stdout=StringIO())

    assert len(smtp_server.messages) == 1
    assert Order.objects.get().receipt_sent_at is not None


def test_purchase_webhook_and_reconcile_racing_send_one_receipt(
    stripe_emulator, stripe_faults, smtp_server, send_stripe_event, client_for
):
    """The charge's answer is lost; then both purchase paths, a webhook and reconciliation find it paid at once."""
    stripe_faults.answer_lost("/v1/charges")
    user, product = UserFactory(), ProductFactory()
    client_for(user).post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")
    stripe_faults.heal()
    order = Order.objects.get()
    [charge] = stripe_emulator.paid_charges()

    def settle(index: int):
        match index % 4:
            case 0:
                return send_stripe_event("charge.succeeded", charge).status_code
            case 1:
                call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())
            case 2:  # the purchase or a 3-D Secure confirmation: the receipt follows the payment
                order_mark_paid(order=Order.objects.get(pk=order.pk), charge_id=charge["id"])
            case 3:  # reconcile_orders' retry of an unsent receipt
                order_receipt_send(order=Order.objects.get(pk=order.pk))

    run_concurrently(8, settle)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(smtp_server.messages) == 1
    assert order.payment_events.filter(kind=PaymentEvent.Kind.RECEIPT_SENT).count() == 1
