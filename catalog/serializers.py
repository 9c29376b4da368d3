"""The catalog's JSON shape, shared with the orders that embed a product."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Product


def money_json(value: Decimal) -> int | float:
    """Return an exact amount as a JSON number: 100 for 100.00, 12.5 for 12.50.

    Two-decimal amounts below 10**13 survive the trip through a float exactly,
    and the JSON text is the shortest form that reads back to the same value.
    """
    value = Decimal(value).quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@extend_schema_field(OpenApiTypes.NUMBER)
class MoneyField(serializers.Field):
    """An exact amount as a JSON number (see money_json)."""

    def to_representation(self, value: Decimal):
        return money_json(value)


class ProductSerializer(serializers.ModelSerializer):
    price = MoneyField(help_text="In major currency units: 100 means 100.00.")

    class Meta:
        model = Product
        fields = ["id", "price", "description", "url", "title", "currency", "thumbnail_url"]
        read_only_fields = fields


def product_list_data(rows: list[tuple]) -> list[dict]:
    """Shape catalog.selectors.PRODUCT_LIST_COLUMNS rows exactly as ProductSerializer shapes products, only faster."""
    return [
        {
            "id": pk,
            "price": money_json(price),
            "description": description,
            "url": url,
            "title": title,
            "currency": currency,
            "thumbnail_url": thumbnail_url,
        }
        for (pk, price, description, url, title, currency, thumbnail_url) in rows
    ]
