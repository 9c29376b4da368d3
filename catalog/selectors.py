"""Catalog reads."""

from django.db.models import QuerySet

from catalog.models import Product


def product_list() -> QuerySet[Product]:
    """Return the products on sale, in catalog order."""
    return Product.objects.filter(on_sale=True).order_by("id")


def product_get_on_sale(*, product_id: int) -> Product | None:
    """Return the product on sale with this id, or None."""
    return Product.objects.filter(on_sale=True, pk=product_id).first()


# What GET /api/product/ answers with, in this order (catalog.serializers.product_list_data).
PRODUCT_LIST_COLUMNS = (
    "id",
    "price",
    "description",
    "preview",
    "title",
    "currency",
    "thumbnail",
    "width",
    "height",
    "credit",
    "license",
)


def product_list_rows(*, limit: int | None = None, after_id: int | None = None) -> list[tuple]:
    """Return the products on sale as PRODUCT_LIST_COLUMNS rows, in catalog order (one query).

    `after_id` is the last id already sent; `limit` rows at most, plus one to
    tell whether more remain.
    """
    rows = product_list()
    if after_id is not None:
        rows = rows.filter(id__gt=after_id)
    rows = rows.values_list(*PRODUCT_LIST_COLUMNS)
    if limit is not None:
        rows = rows[: limit + 1]
    return list(rows)
