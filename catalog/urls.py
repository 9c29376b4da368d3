from django.urls import path

from catalog import apis

urlpatterns = [
    path("product/", apis.ProductListApi.as_view(), name="product-list"),
    path("product/<id:product_id>/", apis.ProductDetailApi.as_view(), name="product-detail"),
]
