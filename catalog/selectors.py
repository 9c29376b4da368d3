"""Catalog reads."""

from decimal import Decimal

from django.db.models import Q, QuerySet

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
    "derivatives",
)


# How GET /api/product/?ordering= sorts: each ends with the id, so that rows tying on the price keep
# one order and a page's last row is a cursor (catalog.apis). Ids grow as photos are added (as their
# created_at does), so the newest photos are those with the highest ids.
PRODUCT_ORDERINGS = {
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "newest": ("-id",),
}
# Longest search accepted: a title is at most 200 characters, a description 500.
PRODUCT_SEARCH_MAX_LENGTH = 200


def product_search(rows: QuerySet[Product], *, q: str) -> QuerySet[Product]:
    """Keep the products whose title, description or credit contains every word of `q` (any case)."""
    for word in q.split():
        rows = rows.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(credit__icontains=word))
    return rows


def _after(rows: QuerySet[Product], ordering: str | None, after: tuple) -> QuerySet[Product]:
    """Keep the rows that come after the row whose sort key is `after` (keyset paging)."""
    if ordering is None:
        [after_id] = after
        return rows.filter(id__gt=after_id)
    if ordering == "newest":
        [after_id] = after
        return rows.filter(id__lt=after_id)
    value, after_id = after
    field, id_field = PRODUCT_ORDERINGS[ordering]
    name = field.lstrip("-")
    beyond = "lt" if field.startswith("-") else "gt"
    tie = "lt" if id_field.startswith("-") else "gt"
    return rows.filter(Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, f"id__{tie}": after_id}))


def product_list_rows(
    *,
    limit: int | None = None,
    after: tuple | None = None,
    q: str = "",
    ordering: str | None = None,
) -> list[tuple]:
    """Return the products on sale as PRODUCT_LIST_COLUMNS rows (one query).

    In catalog order, or sorted by `ordering` (a key of PRODUCT_ORDERINGS), searched by `q` when
    given. `after` is the sort key of the last row already sent: `(id,)` in catalog order, else
    `(price, id)` by price; `limit` rows at most, plus one to tell whether more remain.
    """
    rows = product_list()
    if q:
        rows = product_search(rows, q=q)
    if ordering is not None:
        rows = rows.order_by(*PRODUCT_ORDERINGS[ordering])
    if after is not None:
        rows = _after(rows, ordering, after)
    rows = rows.values_list(*PRODUCT_LIST_COLUMNS)
    if limit is not None:
        rows = rows[: limit + 1]
    return list(rows)


def product_sort_key(row: tuple, ordering: str | None) -> list:
    """Return the sort key of a PRODUCT_LIST_COLUMNS row, as a JSON list for a cursor."""
    pk = row[PRODUCT_LIST_COLUMNS.index("id")]
    if ordering in ("price", "-price"):
        return [str(row[PRODUCT_LIST_COLUMNS.index("price")]), pk]
    return [pk]


def product_cursor_key(key: list, ordering: str | None) -> tuple | None:
    """Return the sort key a cursor carries, checked for `ordering`; None if it is not one this API made."""
    if ordering not in ("price", "-price"):
        return tuple(key) if len(key) == 1 and type(key[0]) is int else None
    if len(key) != 2 or type(key[1]) is not int or not isinstance(key[0], str) or len(key[0]) > 20:
        return None
    try:
        value = Decimal(key[0])
    except ArithmeticError:
        return None
    # A price the column can hold (max_digits=10, decimal_places=2), as str(Decimal) wrote it.
    if not value.is_finite() or abs(value) >= 10**8 or value != value.quantize(Decimal("0.01")):
        return None
    return (value, key[1])
