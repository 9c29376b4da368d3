import re
from collections.abc import Callable

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.serializers import MoneyField, PhotoUrlField, money_json
from frameseller.converters import ID_MAX
from frameseller.rendering import utc_text_json
from frameseller.serializers import ErrorCodeField
from orders.models import Order, order_state_downloadable
from orders.selectors import OrderListRow

# What Stripe.js's createToken() returns: tok_ followed by letters and digits.
STRIPE_TOKEN_RE = re.compile(r"^tok_[A-Za-z0-9_]{1,250}$")


class OrderProductSerializer(serializers.Serializer):
    """The product as it was bought: the price is the one charged."""

    id = serializers.IntegerField(source="product_id")
    price = MoneyField(help_text="The price charged for this order, in major units.")
    description = serializers.CharField(source="product.description")
    url = PhotoUrlField(source="product.preview", help_text="The photo's watermarked preview.")
    thumbnail_url = PhotoUrlField(source="product.thumbnail")
    title = serializers.CharField(source="product.title")
    currency = serializers.CharField()


class OrderSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    orderdate = serializers.DateTimeField(source="ordered_at", read_only=True)
    paymentstatus = serializers.ChoiceField(source="status", choices=Order.Status.choices)
    product = OrderProductSerializer(source="*")
    failure_reason = serializers.CharField(help_text="Why the payment failed, when it did.")
    downloadable = serializers.SerializerMethodField(help_text="True when the photo can be downloaded (paid).")
    card_brand = serializers.CharField(help_text='The card paid with, for the receipt: "Visa"; "" before a charge.')
    card_last4 = serializers.CharField(help_text='The last four digits of that card: "4242"; "" before a charge.')

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "orderdate",
            "paymentstatus",
            "product",
            "failure_reason",
            "downloadable",
            "card_brand",
            "card_last4",
        ]
        read_only_fields = fields

    def get_downloadable(self, order: Order) -> bool:
        return order_state_downloadable(order.status, order.disputed)


def order_list_data(rows: list[OrderListRow], *, photo_url: Callable[[str], str]) -> list[dict]:
    """Shape orders.selectors.order_list_rows rows exactly as OrderSerializer shapes orders, only faster.

    `photo_url` turns a derivative's name into its absolute URL (catalog.serializers.photo_urls).
    """
    # A shopper's orders share a handful of prices: each is converted once.
    prices: dict = {}

    def money(price):
        value = prices.get(price)
        if value is None:
            value = prices[price] = money_json(price)
        return value

    return [
        {
            "id": row.id,
            "user": row.user_id,
            "orderdate": utc_text_json(row.ordered_at_text),
            "paymentstatus": row.status,
            "product": {
                "id": row.product_id,
                "price": money(row.price),
                "description": row.product__description,
                "url": photo_url(row.product__preview),
                "thumbnail_url": photo_url(row.product__thumbnail),
                "title": row.product__title,
                "currency": row.currency,
            },
            "failure_reason": row.failure_reason,
            "downloadable": order_state_downloadable(row.status, row.disputed),
            "card_brand": row.card_brand,
            "card_last4": row.card_last4,
        }
        for row in rows
    ]


# A product id as a JSON number, or as a string of ASCII digits: "1.0", "+1", " 1" or a
# full-width "１" are not ids, whatever int() would make of them.
CANONICAL_ID_RE = re.compile(r"^[1-9][0-9]{0,17}$")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": ID_MAX},
            {"type": "string", "pattern": CANONICAL_ID_RE.pattern},
        ]
    }
)
class ProductIdField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not CANONICAL_ID_RE.fullmatch(str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class OrderCreateInputSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=255,
        validators=[RegexValidator(STRIPE_TOKEN_RE, "Not a Stripe card token (expected tok_…).")],
        help_text="The token Stripe.js made from the card (`tok_…`).",
    )
    product = ProductIdField(min_value=1, max_value=ID_MAX, help_text="The product id (a number or a numeric string).")


class OrderCreatedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    id = serializers.IntegerField(help_text="The new order's id.")
    order = OrderSerializer()


class OrderErrorSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    error = serializers.CharField(help_text="One human-readable sentence (Stripe's own for a decline).")
    order_id = serializers.IntegerField(required=False, help_text="The order recorded, if one was.")
    detail = serializers.CharField(required=False, help_text="Also set on 403 (login needed).")
    errors = serializers.DictField(required=False)
    code = ErrorCodeField()


class OrderRequiresActionSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    requires_action = serializers.BooleanField(default=True)
    client_secret = serializers.CharField(help_text="For Stripe.js confirmCardPayment().")
    order_id = serializers.IntegerField()


class OrderDownloadLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Fetch it without an Authorization header; it works until `expires_at`.")
    expires_at = serializers.DateTimeField()
    filename = serializers.CharField(help_text="The name the file is saved as.")
    bytes = serializers.IntegerField(help_text="The original's size.")
    sha256 = serializers.CharField(help_text="The original's SHA-256, in hex.")
