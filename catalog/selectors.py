"""Catalog reads."""

from django.db.models import QuerySet

from catalog.models import Product


def product_list() -> QuerySet[Product]:
    """Return the products on sale, in catalog order."""
    return Product.objects.filter(on_sale=True).order_by("id")


def product_get_on_sale(*, product_id: int) -> Product | None:
    """Return the product on sale with this id, or None."""
    return Product.objects.filter(on_sale=True, pk=product_id).first()
