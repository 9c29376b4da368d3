from django.contrib import admin

from orders.models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "orderdate", "user", "product", "price", "currency", "paymentstatus"]
    list_filter = ["paymentstatus", ("orderdate", admin.DateFieldListFilter)]
    date_hierarchy = "orderdate"
    search_fields = ["user__email", "stripe_charge_id", "stripe_customer_id"]
    list_select_related = ["user", "product"]
    readonly_fields = [
        "stripe_token",
        "stripe_customer_id",
        "stripe_charge_id",
        "idempotency_key",
        "charge_attempted_at",
        "outcome_unknown",
        "updated_at",
    ]
    raw_id_fields = ["user", "product"]
