"""Order endpoints: list the shopper's orders, buy a photo."""

import re

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from frameseller.exceptions import EnvelopeErrorsMixin
from orders.placing import order_place
from orders.selectors import order_list
from orders.serializers import (
    OrderCreatedSerializer,
    OrderCreateInputSerializer,
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
