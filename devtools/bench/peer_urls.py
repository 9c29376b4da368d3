"""The bare-Django peer's views: `JsonResponse` of `values()`, the floor a DRF view is measured against."""

import jwt
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

from catalog.models import Product
from orders.models import Order

PRODUCT_FIELDS = (
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
ORDER_FIELDS = ("id", "user_id", "ordered_at", "status", "product_id", "price", "currency", "failure_reason")


def products(request):
    return JsonResponse(list(Product.objects.filter(on_sale=True).order_by("id").values(*PRODUCT_FIELDS)), safe=False)


def orders(request):
    token = request.headers.get("Authorization", "").partition(" ")[2]
    try:
        claims = jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])
    except jwt.PyJWTError:
        return JsonResponse({"detail": "Forbidden."}, status=403)
    rows = (
        Order.objects.filter(user_id=claims["user_id"])
        .order_by("-ordered_at", "-id")
        .values(*ORDER_FIELDS, "product__description", "product__preview", "product__thumbnail", "product__title")
    )
    limit = request.GET.get("limit")
    if limit:
        rows = rows[: int(limit)]
    return JsonResponse(list(rows), safe=False)


urlpatterns = [path("api/product/", products), path("api/order/", orders)]
