from django.urls import path

from orders import apis

urlpatterns = [path("order/", apis.OrderListCreateApi.as_view(), name="order-list")]
