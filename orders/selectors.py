"""Order reads."""

from django.db.models import QuerySet

from accounts.models import User
from orders.models import Order


def order_list(*, user: User) -> QuerySet[Order]:
    """Return the shopper's orders, newest first, with their products (one query)."""
    return Order.objects.filter(user=user).select_related("product").order_by("-ordered_at", "-id")
