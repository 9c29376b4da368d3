"""What a shopper bought: download links to a paid photo's original, and their log.

Whether an order may be downloaded is decided in one place, `orders.models.order_state_downloadable`, which
the order list and its serializer ask too. Locally a link is a URL this API serves itself, signed and
expiring, checked again when it is fetched (a refund stops it at once); with the originals on S3 it is a
presigned URL that S3 serves until it expires. Every link issued and every file served or refused is a
DownloadEvent row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog.storage import is_s3
from orders.errors import (
    DownloadLinkExpired,
    DownloadLinkInvalid,
    OrderDownloadRevoked,
    OrderNotDownloadableYet,
    OrderNotFound,
)
from orders.models import DownloadEvent, Order, order_state_downloadable

LINK_SALT = "frameseller.orders.download"
USER_AGENT_MAX_LENGTH = 500
ADDRESS_MAX_LENGTH = 64


@dataclass(frozen=True)
class Client:
    """Who asks: the address and browser recorded as evidence."""

    address: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: datetime
    filename: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class DownloadFile:
    """An original ready to stream, and the event recording that it was served (its bytes counted once sent)."""

    file: object
    filename: str
    content_type: str
    bytes: int
    served_event: DownloadEvent


def order_download_issue(*, user: User, order_id: int, client: Client) -> DownloadLink:
    """Issue a download link to the original of the shopper's own paid order, and log it."""
    order = Order.objects.select_related("product").filter(pk=order_id, user=user).first()
    if order is None:
        raise OrderNotFound()
    _order_check_downloadable(order)
    product = order.product
    if not product.original:
        raise OrderDownloadRevoked("This photo's file is not available any more.", extra={"order_id": order.pk})
    now = timezone.now()
    event = DownloadEvent.objects.create(
        order=order,
        kind=DownloadEvent.Kind.ISSUED,
        at=now,
        expires_at=now + timedelta(seconds=settings.PHOTOS_DOWNLOAD_LINK_SECONDS),
        bytes=product.original_bytes,
        **_client_fields(client),
    )
    filename = download_filename(order)
    storage = product.original.storage
    if is_s3(storage):
        url = storage.url(
            product.original.name,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": product.original_content_type,
            },
            expire=settings.PHOTOS_DOWNLOAD_LINK_SECONDS,
        )
    else:
        token = signing.dumps({"e": event.pk}, salt=LINK_SALT)
        url = reverse("order-download-file", kwargs={"token": token})
    return DownloadLink(
        url=url,
        expires_at=event.expires_at,
        filename=filename,
        bytes=product.original_bytes,
        sha256=product.original_sha256,
    )


def download_link_open(*, token: str, client: Client) -> DownloadFile:
    """Open the original a local link points at; refuse (and log) an expired or revoked one."""
    try:
        event_id = signing.loads(token, salt=LINK_SALT)["e"]
    except (signing.BadSignature, KeyError, TypeError):
        raise DownloadLinkInvalid() from None
    link = (
        DownloadEvent.objects.select_related("order__product")
        .filter(pk=event_id, kind=DownloadEvent.Kind.ISSUED)
        .first()
    )
    if link is None:
        raise DownloadLinkInvalid()
    order = link.order
    try:
        if timezone.now() >= link.expires_at:
            raise DownloadLinkExpired()
        _order_check_downloadable(order)
    except (DownloadLinkExpired, OrderDownloadRevoked, OrderNotDownloadableYet) as refused:
        _log(order=order, kind=DownloadEvent.Kind.REFUSED, link=link, client=client, detail=refused.message)
        raise
    product = order.product
    served = _log(order=order, kind=DownloadEvent.Kind.SERVED, link=link, client=client)
    return DownloadFile(
        file=product.original.storage.open(product.original.name, "rb"),
        filename=download_filename(order),
        content_type=product.original_content_type or "application/octet-stream",
        bytes=product.original_bytes,
        served_event=served,
    )


def download_bytes_sent(*, event: DownloadEvent, sent: int) -> None:
    """Record how many bytes of a served file went out."""
    DownloadEvent.objects.filter(pk=event.pk).update(bytes=F("bytes") + sent)


def download_filename(order: Order) -> str:
    """The file name a buyer's browser saves the original as, e.g. frameseller-espresso-13.jpg."""
    product = order.product
    extension = product.original.name.rsplit(".", 1)[-1] if "." in product.original.name else "jpg"
    return f"frameseller-{slugify(product.title) or 'photo'}-{product.pk}.{extension}"


def _order_check_downloadable(order: Order) -> None:
    if order_state_downloadable(order.status, order.disputed):
        return
    if order.status in (Order.Status.UNPAID, Order.Status.FAILED):
        raise OrderNotDownloadableYet(extra={"order_id": order.pk})
    raise OrderDownloadRevoked(extra={"order_id": order.pk})


def _client_fields(client: Client) -> dict:
    return {
        "address": client.address[:ADDRESS_MAX_LENGTH],
        "user_agent": client.user_agent[:USER_AGENT_MAX_LENGTH],
    }


def _log(*, order: Order, kind: str, link: DownloadEvent, client: Client, detail: str = "") -> DownloadEvent:
    return DownloadEvent.objects.create(
        order=order, kind=kind, link=link, expires_at=link.expires_at, detail=detail[:200], **_client_fields(client)
    )
