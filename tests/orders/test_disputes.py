"""Disputes answered: the evidence drafted by the worker from the shop's records, submitted by staff to the emulator.

The emulator (devtools/stripe_emulator.py) opens a dispute on a real charge (`POST /_config/disputes`)
and keeps what the dispute update sends; the shop's webhook is signed by the test itself.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from frameseller.tasks import retry_policy
from orders import payments
from orders.dispute_evidence import FIELD_MAX_CHARS, dispute_evidence_compose
from orders.disputes import DisputeNotSubmittable, dispute_evidence_submit
from orders.models import Dispute, DownloadEvent, Order, PaymentEvent
from orders.tasks import dispute_evidence_draft_task
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) FrameSellerTest/1.0"
SHOPPER_ADDRESS = "198.51.100.23"


def open_dispute(emulator, charge_id: str, **params) -> dict:
    """Have the emulator's bank open a dispute on the charge (test-only route)."""
    response = requests.post(f"{emulator.url}/_config/disputes", data={"charge": charge_id, **params}, timeout=5)
    response.raise_for_status()
    return response.json()


def _get(emulator, dispute_id: str) -> dict:
    from devtools.emulator_process import SECRET_KEY

    response = requests.get(
        f"{emulator.url}/v1/disputes/{dispute_id}", headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=5
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture
def bought(user, auth_client, stripe_emulator, django_capture_on_commit_callbacks):
    """A photo bought through the API from SHOPPER_ADDRESS (its receipt sent), then downloaded once: (order, charge)."""
    product = ProductFactory(title="Harbour at dawn", license="CC BY 4.0", credit="Ada L.")
    body = {"token": stripe_emulator.card_token(), "product": product.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/order/", body, format="json", REMOTE_ADDR=SHOPPER_ADDRESS)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["id"])
    link = auth_client.post(f"/api/order/{order.pk}/download/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=SHOPPER_ADDRESS)
    assert link.status_code == 200, link.json()
    served = APIClient().get(urlsplit(link.json()["url"]).path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=SHOPPER_ADDRESS)
    b"".join(served.streaming_content)
    return order, order.stripe_charge_id


@pytest.fixture
def disputed(bought, stripe_emulator, send_stripe_event, django_capture_on_commit_callbacks):
    """The bank opened a dispute on the charge and Stripe told the shop: (order, the emulator's dispute)."""
    order, charge_id = bought
    dispute = open_dispute(stripe_emulator, charge_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = send_stripe_event("charge.dispute.created", dispute)
    assert response.status_code == 200, response.content
    return order, dispute


def test_a_purchase_records_the_address_it_was_made_from(bought):
    order, _ = bought

    order.refresh_from_db()
    assert order.client_address == SHOPPER_ADDRESS


def test_the_worker_drafts_the_evidence_from_the_shops_records(disputed, user):
    order, remote = disputed

    dispute = Dispute.objects.get(order=order)
    assert dispute.stripe_dispute_id == remote["id"]
    assert dispute.status == "needs_response"
    assert dispute.due_by.timestamp() == remote["evidence_details"]["due_by"]
    assert dispute.amount == 10000 and dispute.currency == "usd"
    evidence = dispute.evidence
    assert evidence["customer_name"] == "Ada Lovelace"
    assert evidence["customer_email_address"] == user.email
    assert evidence["customer_purchase_ip"] == SHOPPER_ADDRESS
    assert '"Harbour at dawn" by Ada L.' in evidence["product_description"]
    assert "Licence: CC BY 4.0" in evidence["product_description"]
    log = evidence["access_activity_log"].splitlines()[1:]
    assert len(log) == 2
    size = f"{order.product.original_bytes:,} bytes"
    assert "link issued" in log[0] and size in log[0] and SHOPPER_ADDRESS in log[0] and BROWSER in log[0]
    assert "file downloaded" in log[1] and f"{size} sent" in log[1] and BROWSER in log[1]
    summary = evidence["uncategorized_text"]
    assert f"Receipt emailed to {user.email}" in summary
    assert "100.00 USD" in summary and order.stripe_charge_id in summary
    assert "1 link(s) issued, 1 file(s) downloaded" in summary
    assert evidence["service_date"] == f"{timezone.now():%Y-%m-%d}"


def test_staff_submit_the_evidence_in_one_click_and_it_reaches_stripe(disputed, admin_client, stripe_emulator):
    order, remote = disputed
    dispute = Dispute.objects.get(order=order)

    page = admin_client.get(f"/admin/orders/dispute/{dispute.pk}/change/").content.decode()
    assert "Submit this evidence to Stripe" in page
    assert f"Due by {dispute.due_by:%Y-%m-%d %H:%M} UTC" in page
    response = admin_client.post(f"/admin/orders/dispute/{dispute.pk}/submit/", follow=True)

    assert "evidence submitted to Stripe" in response.content.decode()
    at_stripe = _get(stripe_emulator, remote["id"])
    assert at_stripe["status"] == "under_review"
    assert at_stripe["evidence_details"]["submission_count"] == 1
    sent = {field: value for field, value in at_stripe["evidence"].items() if value is not None}
    assert sent == dispute.evidence
    dispute.refresh_from_db()
    assert dispute.submitted_at is not None and dispute.submitted_by == "admin@example.com"
    assert dispute.status == "under_review"
    assert order.payment_events.filter(kind=PaymentEvent.Kind.DISPUTE_EVIDENCE_SUBMITTED).count() == 1
    order_page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Evidence submitted, under review" in order_page
    assert f"{remote['id']} (evidence)" in order_page


def test_the_admin_action_submits_too_and_a_second_submission_is_refused(disputed, admin_client, stripe_requests):
    order, remote = disputed
    dispute = Dispute.objects.get(order=order)
    action = {"action": "submit_evidence", "_selected_action": [dispute.pk]}

    first = admin_client.post("/admin/orders/dispute/", action, follow=True).content.decode()
    second = admin_client.post("/admin/orders/dispute/", action, follow=True).content.decode()

    assert "evidence submitted to Stripe" in first
    assert "The evidence was submitted on" in second
    assert stripe_requests == [("post", f"/v1/disputes/{remote['id']}")]


def test_evidence_past_its_due_date_is_not_sent(disputed, stripe_requests):
    order, _ = disputed
    dispute = Dispute.objects.get(order=order)
    Dispute.objects.filter(pk=dispute.pk).update(due_by=timezone.now() - timedelta(minutes=1))
    dispute.refresh_from_db()

    with pytest.raises(DisputeNotSubmittable, match="was due by"):
        dispute_evidence_submit(dispute=dispute, by="staff")

    assert stripe_requests == []


def test_the_emulator_refuses_evidence_once_due(bought, stripe_emulator):
    _, charge_id = bought
    remote = open_dispute(stripe_emulator, charge_id, due_in_seconds=0)
    dispute = Dispute.objects.create(
        order=Order.objects.get(stripe_charge_id=charge_id),
        stripe_dispute_id=remote["id"],
        evidence={"customer_name": "Ada"},
    )

    with pytest.raises(DisputeNotSubmittable, match="can no longer be submitted"):
        dispute_evidence_submit(dispute=dispute, by="staff")


def test_a_shopper_cannot_submit_evidence(disputed, client, stripe_requests):
    order, _ = disputed
    dispute = Dispute.objects.get(order=order)
    shopper = UserFactory()
    client.force_login(shopper)

    response = client.post(f"/admin/orders/dispute/{dispute.pk}/submit/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert stripe_requests == []
    dispute.refresh_from_db()
    assert dispute.submitted_at is None


def test_a_dispute_closed_by_stripe_shows_its_outcome(disputed, send_stripe_event):
    order, remote = disputed

    send_stripe_event("charge.dispute.closed", {**remote, "status": "won"})

    assert Dispute.objects.get(order=order).status == "won"


def test_drafting_waits_for_stripe_when_it_is_unreachable(bought, stripe_faults):
    """Stripe failing is transient: the task's retry policy takes PaymentUnavailable, and nothing is drafted yet."""
    order, _ = bought
    dispute = Dispute.objects.create(order=order, stripe_dispute_id="dp_unreachable")
    stripe_faults.refuse(
        "/v1/disputes/dp_unreachable", {"type": "api_error", "message": "down"}, status=500, method="get"
    )

    result = dispute_evidence_draft_task.enqueue(dispute_id=dispute.pk)

    assert result.errors[-1].exception_class is payments.PaymentUnavailable
    assert issubclass(payments.PaymentUnavailable, retry_policy(dispute_evidence_draft_task.module_path).on)
    dispute.refresh_from_db()
    assert dispute.evidence == {} and dispute.drafted_at is None


def test_a_long_access_log_is_cut_to_stripes_limit(user, product):
    order = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="PAID")
    DownloadEvent.objects.bulk_create(
        DownloadEvent(order=order, kind=DownloadEvent.Kind.ISSUED, address="203.0.113.9", user_agent="x" * 400)
        for _ in range(200)
    )

    log = dispute_evidence_compose(order=order)["access_activity_log"]

    assert len(log) <= FIELD_MAX_CHARS
    assert log.endswith("more line(s), kept by the shop.")
