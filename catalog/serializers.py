"""The catalog's JSON shape, shared with the orders that embed a product."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Product


@extend_schema_field(OpenApiTypes.NUMBER)
class MoneyField(serializers.Field):
    """An exact amount as a JSON number: 100 for 100.00, 12.5 for 12.50.

    Two-decimal amounts below 10**13 survive the trip through a float exactly,
    and the JSON text is the shortest form that reads back to the same value.
    """

    def to_representation(self, value: Decimal):
        value = Decimal(value).quantize(Decimal("0.01"))
        if value == value.to_integral_value():
            return int(value)
        return float(value)


class ProductSerializer(serializers.ModelSerializer):
    price = MoneyField(help_text="In major currency units: 100 means 100.00.")

    class Meta:
        model = Product
        fields = ["id", "price", "description", "url", "title", "currency", "thumbnail_url"]
        read_only_fields = fields
