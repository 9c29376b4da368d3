"""Order endpoints: list the shopper's orders, buy a photo, download what they bought."""

import re

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from frameseller.exceptions import EnvelopeErrorsMixin
from orders.downloads import Client, download_bytes_sent, download_link_open, order_download_issue
from orders.placing import order_place
from orders.selectors import order_list
from orders.serializers import (
    OrderCreatedSerializer,
    OrderCreateInputSerializer,
    OrderDownloadLinkSerializer,
    OrderErrorSerializer,
    OrderSerializer,
)
from orders.throttles import OrderUserThrottle

IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


class OrderListCreateApi(EnvelopeErrorsMixin, APIView):
    throttle_classes = [OrderUserThrottle]

    @extend_schema(
        operation_id="order_list",
        summary="List the logged-in shopper's orders, newest first",
        responses={200: OrderSerializer(many=True), 403: OrderErrorSerializer},
    )
    def get(self, request):
        orders = order_list(user=request.user)
        return Response(OrderSerializer(orders, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="order_create",
        summary="Buy a photo: charge the card behind a Stripe.js token",
        description=(
            "The amount is the catalog price, computed on the server. Outcomes: 201 paid; 400 bad input "
            "(nothing recorded or charged); 402 declined (order recorded FAILED); 409 the same payment is "
            "still being processed; 503 the payment service could not confirm (order stays UNPAID and is "
            "settled by reconciliation, never charged twice). Repeating a request with the same "
            "`Idempotency-Key` or the same token answers the first attempt's outcome."
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Any unique string per purchase attempt (max 255 printable ASCII characters).",
            )
        ],
        request=OrderCreateInputSerializer,
        responses={
            201: OrderCreatedSerializer,
            400: OrderErrorSerializer,
            402: OrderErrorSerializer,
            403: OrderErrorSerializer,
            409: OrderErrorSerializer,
            429: OrderErrorSerializer,
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
        if key is not None and not IDEMPOTENCY_KEY_RE.match(key):
            raise exceptions.ValidationError("Idempotency-Key must be 1 to 255 printable ASCII characters.")
        serializer = OrderCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_place(
            user=request.user,
            product_id=serializer.validated_data["product"],
            token=serializer.validated_data["token"],
            idempotency_key=key,
        )
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
            404: OrderErrorSerializer,
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
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The original"),
            404: OpenApiResponse(description="Not a valid link"),
            410: OpenApiResponse(description="Expired, or the order was refunded or disputed"),
        },
        auth=[],
    )
    def get(self, request, token: str):
        download = download_link_open(token=token, client=_client(request))
        response = StreamingHttpResponse(_counted(download), content_type=download.content_type)
        response["Content-Length"] = str(download.bytes)
        response["Content-Disposition"] = content_disposition_header(True, download.filename)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _counted(download, chunk_size: int = 64 * 1024):
    """Stream the file, then record how many bytes went out (fewer if the client hung up)."""
    sent = 0
    try:
        with download.file as file:
            while chunk := file.read(chunk_size):
                sent += len(chunk)
                yield chunk
    finally:
        download_bytes_sent(event=download.link, sent=sent)
