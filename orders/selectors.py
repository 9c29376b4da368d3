"""Order reads."""

from datetime import datetime

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from accounts.models import User
from orders.models import Order

# What GET /api/order/ answers with, in this order (orders.serializers.order_list_data). The date comes
# as the database's text of the UTC time ("2026-11-26 10:37:50.121871"): parsing a thousand datetimes
# and making them aware took a quarter of a long list's time, rewriting the text takes a twentieth.
ORDER_LIST_COLUMNS = (
    "id",
    "user_id",
    "ordered_at_text",
    "status",
    "price",
    "currency",
    "failure_reason",
    "disputed",
    "product_id",
    "product__description",
    "product__preview",
    "product__thumbnail",
    "product__title",
    "card_brand",
    "card_last4",
)


def order_list(*, user: User) -> QuerySet[Order]:
    """Return the shopper's orders, newest first, with their products (one query)."""
    return Order.objects.filter(user=user).select_related("product").order_by("-ordered_at", "-id")


def order_list_rows(*, user: User, limit: int | None = None, after: tuple[datetime, int] | None = None) -> list[tuple]:
    """Return the shopper's orders as ORDER_LIST_COLUMNS rows, newest first (one query).

    `after` is the (ordered_at, id) of the last order already sent; `limit`
    rows at most, plus one to tell whether more remain.
    """
    rows = Order.objects.filter(user=user)
    if after is not None:
        ordered_at, pk = after
        rows = rows.filter(Q(ordered_at__lt=ordered_at) | Q(ordered_at=ordered_at, id__lt=pk))
    rows = (
        rows.order_by("-ordered_at", "-id")
        .annotate(ordered_at_text=Cast("ordered_at", output_field=CharField()))
        .values_list(*ORDER_LIST_COLUMNS)
    )
    if limit is not None:
        rows = rows[: limit + 1]
    return list(rows)
