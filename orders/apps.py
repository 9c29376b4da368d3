from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from orders import checks  # noqa: F401 - registers the system checks
        from orders.after_payment import order_paid
        from orders.receipts import order_receipt_follow_payment

        order_paid.connect(order_receipt_follow_payment, dispatch_uid="orders.receipts")
