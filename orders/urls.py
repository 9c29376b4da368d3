from django.urls import path

from orders import apis

urlpatterns = [
    path("order/", apis.OrderListCreateApi.as_view(), name="order-list"),
    path("order/<id:order_id>/confirm/", apis.OrderConfirmApi.as_view(), name="order-confirm"),
    path("stripe/webhook/", apis.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("order/<id:order_id>/download/", apis.OrderDownloadApi.as_view(), name="order-download"),
    path("download/<str:token>/", apis.OrderDownloadFileApi.as_view(), name="order-download-file"),
]
