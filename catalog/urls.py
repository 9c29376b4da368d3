from django.urls import path

from catalog import apis

urlpatterns = [path("product/", apis.ProductListApi.as_view(), name="product-list")]
