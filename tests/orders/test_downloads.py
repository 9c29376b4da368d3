"""POST /api/order/{id}/download/ and the links it issues: the original, byte for byte, to its buyer only."""

import hashlib
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from orders.models import DownloadEvent, Order
from orders.settlement import order_mark_refunded
from tests.catalog.test_photos import photo_with_gps
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) FrameSellerTest/1.0"


@pytest.fixture
def photo():
    return ProductFactory(title="Espresso at Pikolo", photo=photo_with_gps(1600, 1200))


def paid_order(user, product, status=Order.Status.PAID) -> Order:
    return Order.objects.create(
        user=user,
        product=product,
        price=product.price,
        currency=product.currency,
        status=status,
        stripe_charge_id="ch_1",
    )


def ask_link(client, order, **extra):
    return client.post(f"/api/order/{order.pk}/download/", HTTP_USER_AGENT=BROWSER, **extra)


def fetch(url: str, **extra):
    """Fetch a link as a browser would: no Authorization header."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver")
    return APIClient().get(parts.path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7", **extra)


def test_download_of_a_paid_order_answers_the_original_byte_for_byte(auth_client, user, photo):
    order = paid_order(user, photo)
    original = photo.original.read()

    response = ask_link(auth_client, order)

    assert response.status_code == 200, response.json()
    link = response.json()
    assert set(link) == {"url", "expires_at", "filename", "bytes", "sha256"}
    assert link["filename"] == f"frameseller-espresso-at-pikolo-{photo.pk}.jpg"
    assert link["bytes"] == len(original)
    assert link["sha256"] == hashlib.sha256(original).hexdigest()
    assert link["expires_at"].endswith("Z")
    assert response["Cache-Control"] == "private, no-store"
    file = fetch(link["url"])
    assert file.status_code == 200
    body = b"".join(file.streaming_content)
    assert body == original
    assert hashlib.sha256(body).hexdigest() == link["sha256"]
    assert file["Content-Type"] == "image/jpeg"
    assert file["Content-Length"] == str(len(original))
    assert file["Content-Disposition"] == f'attachment; filename="{link["filename"]}"'


def test_a_link_expires_after_its_lifetime(auth_client, user, photo, settings):
    settings.PHOTOS_DOWNLOAD_LINK_SECONDS = 300
    order = paid_order(user, photo)
    before = timezone.now()
    link = ask_link(auth_client, order).json()
    issued = DownloadEvent.objects.get(kind="issued")
    assert before + timedelta(seconds=299) <= issued.expires_at <= timezone.now() + timedelta(seconds=300)

    DownloadEvent.objects.filter(pk=issued.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = fetch(link["url"])

    assert response.status_code == 410
    assert response.json()["detail"] == "This download link has expired. Get a new one from My orders."
    assert ask_link(auth_client, order).status_code == 200  # a new link is one click away


def test_a_tampered_link_is_404(auth_client, user, photo):
    link = ask_link(auth_client, paid_order(user, photo)).json()

    response = fetch(link["url"].rstrip("/") + "x/")

    assert response.status_code == 404
    assert response.json() == {"detail": "This download link is not valid.", "code": "download_link_invalid"}


def test_another_shoppers_order_and_an_unknown_one_are_404_alike(photo, client_for):
    alice, bob = UserFactory(), UserFactory()
    order = paid_order(alice, photo)

    theirs = ask_link(client_for(bob), order)
    unknown = client_for(bob).post("/api/order/999999/download/")

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json() == {"success": False, "error": "No such order.", "code": "order_not_found"}
    assert DownloadEvent.objects.count() == 0


def test_download_needs_a_login(api_client, user, photo):
    response = ask_link(api_client, paid_order(user, photo))

    assert response.status_code == 403
    assert DownloadEvent.objects.count() == 0


@pytest.mark.parametrize("status", [Order.Status.UNPAID, Order.Status.FAILED])
def test_an_order_not_paid_is_409(auth_client, user, photo, status):
    order = paid_order(user, photo, status=status)

    response = ask_link(auth_client, order)

    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "This order is not paid, so there is nothing to download.",
        "code": "order_not_paid",
        "order_id": order.pk,
    }


def test_a_refunded_order_is_410(auth_client, user, photo):
    order = paid_order(user, photo, status=Order.Status.REFUNDED)

    response = ask_link(auth_client, order)

    assert response.status_code == 410
    assert response.json()["error"].startswith("This photo can no longer be downloaded")


def test_a_link_issued_before_the_refund_stops_working_at_once(auth_client, user, photo):
    order = paid_order(user, photo)
    link = ask_link(auth_client, order).json()
    assert fetch(link["url"]).status_code == 200

    order_mark_refunded(order=order)

    response = fetch(link["url"])
    assert response.status_code == 410
    assert response.json()["detail"].startswith("This photo can no longer be downloaded")
    refused = DownloadEvent.objects.get(kind="refused")
    assert refused.detail.startswith("This photo can no longer be downloaded")


def test_the_log_records_each_link_and_each_file_served(auth_client, user, photo):
    order = paid_order(user, photo)

    first = ask_link(auth_client, order, REMOTE_ADDR="198.51.100.4").json()
    b"".join(fetch(first["url"]).streaming_content)
    b"".join(fetch(first["url"]).streaming_content)
    ask_link(auth_client, order, REMOTE_ADDR="198.51.100.4")

    events = list(DownloadEvent.objects.filter(order=order).order_by("id"))
    assert [event.kind for event in events] == ["issued", "served", "served", "issued"]
    issued, served, again, _ = events
    assert (issued.address, issued.user_agent, issued.bytes) == ("198.51.100.4", BROWSER, photo.original_bytes)
    assert issued.expires_at is not None
    for event in (served, again):
        assert (event.address, event.user_agent) == ("203.0.113.7", BROWSER)
        assert event.bytes == photo.original_bytes
        assert event.link_id == issued.pk


def test_a_fetch_cut_short_records_the_bytes_actually_sent(auth_client, user):
    noise = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((1200, 900), 90)] * 3).save(noise, "PNG")
    big = ProductFactory(photo=noise.getvalue())
    assert big.original_bytes > 2 * 64 * 1024
    link = ask_link(auth_client, paid_order(user, big)).json()

    response = fetch(link["url"])
    first = next(iter(response.streaming_content))
    # The client hangs up and the server closes the response: through the test client's wrapper,
    # which keeps the test's database connection open.
    response._iterator.close()

    served = DownloadEvent.objects.get(kind="served")
    assert served.bytes == len(first) < big.original_bytes


def test_orders_list_says_which_orders_are_downloadable(auth_client, user, photo):
    paid = paid_order(user, photo)
    refunded = paid_order(user, ProductFactory(), status=Order.Status.REFUNDED)
    failed = paid_order(user, ProductFactory(), status=Order.Status.FAILED)

    data = {item["id"]: item["downloadable"] for item in auth_client.get("/api/order/").json()}

    assert data == {paid.pk: True, refunded.pk: False, failed.pk: False}


def test_admin_order_page_shows_the_download_log(admin_client, auth_client, user, photo):
    order = paid_order(user, photo)
    ask_link(auth_client, order, REMOTE_ADDR="198.51.100.4")

    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert "Downloads" in html and "198.51.100.4" in html and "FrameSellerTest/1.0" in html


def test_buy_then_download_then_refund_in_the_admin(auth_client, admin_client, photo, stripe_emulator):
    bought = auth_client.post(
        "/api/order/", {"token": stripe_emulator.card_token(), "product": photo.pk}, format="json"
    )
    assert bought.status_code == 201
    assert bought.json()["order"]["downloadable"] is True
    order = Order.objects.get()
    link = ask_link(auth_client, order).json()
    assert b"".join(fetch(link["url"]).streaming_content) == photo.original.read()

    admin_client.post("/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert fetch(link["url"]).status_code == 410
    assert ask_link(auth_client, order).status_code == 410
