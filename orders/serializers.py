import re

from rest_framework import serializers

from catalog.serializers import MoneyField, PhotoUrlField
from orders.downloads import order_downloadable
from orders.models import Order

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

    class Meta:
        model = Order
        fields = ["id", "user", "orderdate", "paymentstatus", "product", "failure_reason", "downloadable"]
        read_only_fields = fields

    def get_downloadable(self, order: Order) -> bool:
        return order_downloadable(order)


class OrderCreateInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=255, help_text="The token Stripe.js made from the card (`tok_…`).")
    product = serializers.IntegerField(min_value=1, help_text="The product id (a number or a numeric string).")

    def validate_token(self, value: str) -> str:
        if not STRIPE_TOKEN_RE.match(value):
            raise serializers.ValidationError("Not a Stripe card token (expected tok_…).")
        return value


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


class OrderDownloadLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Fetch it without an Authorization header; it works until `expires_at`.")
    expires_at = serializers.DateTimeField()
    filename = serializers.CharField(help_text="The name the file is saved as.")
    bytes = serializers.IntegerField(help_text="The original's size.")
    sha256 = serializers.CharField(help_text="The original's SHA-256, in hex.")
