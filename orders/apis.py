"""Order endpoints: list the shopper's orders, buy a photo, confirm a 3-D Secure payment, download what
they bought; Stripe's webhook."""

import re
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from catalog.serializers import photo_urls
from frameseller.exceptions import EnvelopeErrorsMixin
from frameseller.pagination import LIST_PARAMETERS, next_link, page_request
from frameseller.rendering import json_response, utc_text_json
from frameseller.serializers import DetailErrorSerializer, ErrorCodeField
from orders import payments
from orders.downloads import Client, download_bytes_sent, download_link_open, order_download_issue
from orders.errors import WebhookRefused
from orders.payment_intents import Purchase, order_confirm
from orders.placing import order_place
from orders.selectors import order_list_rows
from orders.serializers import (
    OrderCreatedSerializer,
    OrderCreateInputSerializer,
    OrderDownloadLinkSerializer,
    OrderErrorSerializer,
    OrderRequiresActionSerializer,
    OrderSerializer,
    order_list_data,
)
from orders.throttles import OrderUserThrottle
from orders.webhooks import stripe_event_handle

IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"}

# An order address that is not one (`/api/order/0/download/`) is answered by the URL resolver, before
# the view, with `{"detail": …}`; an order that is not the caller's by the view, in the envelope.
ORDER_NOT_FOUND = PolymorphicProxySerializer(
    component_name="OrderNotFound",
    serializers=[OrderErrorSerializer, DetailErrorSerializer],
    resource_type_field_name=None,
)
# The download link's answers are not in the envelope: `{"detail": …}`, with the `order_id` when known.
DOWNLOAD_REFUSED = inline_serializer(
    "DownloadRefused",
    {"detail": serializers.CharField(), "order_id": serializers.IntegerField(required=False), "code": ErrorCodeField()},
)


def _order_after(after: list | None) -> tuple[datetime, int] | None:
    """Read an order cursor's sort key: [ordered_at, id]."""
    if after is None:
        return None
    try:
        ordered_at, pk = after
        ordered_at = datetime.fromisoformat(ordered_at)
    except (TypeError, ValueError):
        ordered_at = None
    if ordered_at is None or ordered_at.tzinfo is None or type(pk) is not int:
        raise exceptions.ValidationError("cursor is not one this API gave: start again from the first page.")
    return ordered_at, pk


class OrderListCreateApi(EnvelopeErrorsMixin, APIView):
    throttle_classes = [OrderUserThrottle]

    @extend_schema(
        operation_id="order_list",
        summary="List the logged-in shopper's orders, newest first",
        description=(
            "Without `limit`, every order. With `limit`, one page; while more remain, a "
            '`Link: <next page URL>; rel="next"` header points at the next one. Never cached (`private, no-store`).'
        ),
        parameters=LIST_PARAMETERS,
        responses={200: OrderSerializer(many=True), 400: OrderErrorSerializer, 403: OrderErrorSerializer},
    )
    def get(self, request):
        page = page_request(request.query_params)
        rows = order_list_rows(user=request.user, limit=page.limit, after=_order_after(page.after))
        headers = {"Cache-Control": "private, no-store"}
        if page.limit is not None and len(rows) > page.limit:
            rows = rows[: page.limit]
            last = rows[-1]
            ordered_at = datetime.fromisoformat(utc_text_json(last.ordered_at_text))
            headers["Link"] = next_link(request, page, [ordered_at.isoformat(), last.id])
        return json_response(order_list_data(rows, photo_url=photo_urls(request)), headers=headers)

    @extend_schema(
        operation_id="order_create",
        summary="Buy a photo: charge the card behind a Stripe.js token",
        description=(
            "The amount is the catalog price, computed on the server. Outcomes: 201 paid; 400 bad input "
            "(nothing recorded or charged); 402 declined (order recorded FAILED); 409 the same payment is "
            "still being processed; 503 the payment service could not confirm (order stays UNPAID and is "
            "settled by reconciliation, never charged twice; also when the database fails during the payment). "
            "Repeating a request with the same `Idempotency-Key` or the same token answers the first attempt's "
            "outcome; the same key for another photo answers 422 and charges nothing. With "
            "STRIPE_PAYMENT_FLOW=payment_intents, 202 when the bank asks for 3-D Secure: complete it with "
            "Stripe.js `confirmCardPayment(client_secret)`, then POST /api/order/{id}/confirm/."
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                IDEMPOTENCY_KEY_SCHEMA,
                OpenApiParameter.HEADER,
                required=False,
                description="Any unique string per purchase attempt: 1 to 255 printable ASCII characters, no spaces.",
            )
        ],
        request=OrderCreateInputSerializer,
        responses={
            201: OrderCreatedSerializer,
            202: OrderRequiresActionSerializer,
            400: OrderErrorSerializer,
            402: OrderErrorSerializer,
            403: OrderErrorSerializer,
            409: OrderErrorSerializer,
            422: OrderErrorSerializer,
            429: OrderErrorSerializer,
            502: OrderErrorSerializer,
            503: OrderErrorSerializer,
        },
        examples=[
            OpenApiExample("Buy", value={"token": "tok_1MqLzA2eZvKYlo2C", "product": 1}, request_only=True),
            OpenApiExample(
                "Declined",
                value={"success": False, "error": "Your card was declined.", "order_id": 15},
                response_only=True,
                status_codes=["402"],
            ),
        ],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY_RE.fullmatch(key):
            raise exceptions.ValidationError("Idempotency-Key must be 1 to 255 printable ASCII characters.")
        serializer = OrderCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchase = order_place(
            user=request.user,
            product_id=serializer.validated_data["product"],
            token=serializer.validated_data["token"],
            idempotency_key=key,
            client_address=_client(request).address,
        )
        if purchase.awaits_authentication:
            return _requires_action_response(purchase)
        order = purchase.order
        body = {"success": True, "id": order.pk, "order": OrderSerializer(order, context={"request": request}).data}
        return Response(body, status=status.HTTP_201_CREATED)


def _requires_action_response(purchase: Purchase) -> Response:
    body = {
        "success": False,
        "requires_action": True,
        "client_secret": purchase.client_secret,
        "order_id": purchase.order.pk,
    }
    return Response(body, status=status.HTTP_202_ACCEPTED)


class OrderConfirmApi(EnvelopeErrorsMixin, APIView):
    throttle_classes = [OrderUserThrottle]

    @extend_schema(
        operation_id="order_confirm",
        summary="Finish a payment after 3-D Secure: record how the order's PaymentIntent ended",
        description=(
            "Call after Stripe.js `confirmCardPayment(client_secret)` finished (successfully or not). "
            "201 paid; 400 the order was refunded; 402 authentication failed or the card was declined (order "
            "FAILED); 404 not your order; 409 the authentication is still in progress; 503 the payment service "
            "could not be asked."
        ),
        request=None,
        responses={
            201: OrderCreatedSerializer,
            400: OrderErrorSerializer,
            402: OrderErrorSerializer,
            403: OrderErrorSerializer,
            404: ORDER_NOT_FOUND,
            409: OrderErrorSerializer,
            429: OrderErrorSerializer,
            503: OrderErrorSerializer,
        },
    )
    def post(self, request, order_id: int):
        order = order_confirm(user=request.user, order_id=order_id)
        body = {"success": True, "id": order.pk, "order": OrderSerializer(order, context={"request": request}).data}
        return Response(body, status=status.HTTP_201_CREATED)


def _client(request) -> Client:
    """The caller's address (behind the trusted proxies, as the throttles see it) and user agent."""
    return Client(address=BaseThrottle().get_ident(request) or "", user_agent=request.headers.get("User-Agent", ""))


class OrderDownloadApi(EnvelopeErrorsMixin, APIView):
    throttle_classes = [OrderUserThrottle]

    @extend_schema(
        operation_id="order_download",
        summary="Get a short-lived link to the original photo of a paid order",
        description=(
            "Answers a URL that serves the original file byte for byte (`bytes` and `sha256` match) as an "
            "attachment, without an Authorization header, until `expires_at` (5 minutes by default). Ask again "
            "for a new link at any time. 404: no such order of yours; 409: not paid (UNPAID or FAILED); 410: "
            "refunded or disputed (links issued before stop working too). Every link issued is logged."
        ),
        request=None,
        responses={
            200: OrderDownloadLinkSerializer,
            403: OrderErrorSerializer,
            404: ORDER_NOT_FOUND,
            409: OrderErrorSerializer,
            410: OrderErrorSerializer,
            429: OrderErrorSerializer,
        },
    )
    def post(self, request, order_id: int):
        link = order_download_issue(user=request.user, order_id=order_id, client=_client(request))
        data = OrderDownloadLinkSerializer(link).data
        data["url"] = request.build_absolute_uri(link.url)
        response = Response(data)
        response["Cache-Control"] = "private, no-store"
        return response


class OrderDownloadFileApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="order_download_file",
        summary="The original photo behind a download link (local storage only)",
        description=(
            "The link itself is the credential: no Authorization header. 404 for a link that is not valid, "
            "410 once it has expired or its order was refunded or disputed. Every file served or refused is logged."
        ),
        responses={
            # JPEG, PNG, WebP or TIFF, as the photo was added (catalog.images.FORMATS).
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The original"),
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The original"),
            404: OpenApiResponse(DOWNLOAD_REFUSED, description="Not a valid link"),
            409: OpenApiResponse(DOWNLOAD_REFUSED, description="The order is not paid"),
            410: OpenApiResponse(DOWNLOAD_REFUSED, description="Expired, or the order was refunded or disputed"),
        },
        auth=[],
    )
    def get(self, request, token: str):
        download = download_link_open(token=token, client=_client(request))
        response = StreamingHttpResponse(_counted(download), content_type=download.content_type)
        response["Content-Length"] = str(download.bytes)
        response["Content-Disposition"] = content_disposition_header(True, download.filename)
        response["Cache-Control"] = "private, no-store"
        return response


class StripeWebhookApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="stripe_webhook",
        summary="Receive Stripe's events (signed with STRIPE_WEBHOOK_SECRET)",
        description=(
            "The `Stripe-Signature` header is verified (5 minutes' tolerance): 400 if missing or wrong. "
            "An event id seen before answers 200 and does nothing. An event that fails answers 5xx so that "
            "Stripe retries it. Handled: charge.succeeded, payment_intent.succeeded, charge.failed, "
            "payment_intent.payment_failed, charge.refunded, charge.dispute.created, charge.dispute.closed."
        ),
        request={"application/json": {"type": "object", "description": "A Stripe event"}},
        responses={
            200: inline_serializer(
                "WebhookReceived", {"received": serializers.BooleanField(), "outcome": serializers.CharField()}
            ),
            400: inline_serializer("WebhookRefused", {"detail": serializers.CharField(), "code": ErrorCodeField()}),
            500: OpenApiResponse(DetailErrorSerializer, description="Not applied: Stripe retries it"),
            503: OpenApiResponse(DetailErrorSerializer, description="Not applied (database unavailable)"),
        },
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Stripe's signature of the payload (`t=…,v1=…`).",
            )
        ],
        auth=[],
    )
    def post(self, request):
        try:
            outcome = stripe_event_handle(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
        except payments.WebhookInvalid:
            raise WebhookRefused() from None
        return Response({"received": True, "outcome": outcome})


def _counted(download, chunk_size: int = 64 * 1024):
    """Stream the file, then record how many bytes went out (fewer if the client hung up)."""
    sent = 0
    try:
        with download.file as file:
            while chunk := file.read(chunk_size):
                sent += len(chunk)
                yield chunk
    finally:
        download_bytes_sent(event=download.served_event, sent=sent)
