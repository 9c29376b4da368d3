from django.contrib import admin, messages

from frameseller.exceptions import ApplicationError
from orders.models import DownloadEvent, Order, PaymentEvent
from orders.refunds import order_refund


class PaymentEventInline(admin.TabularInline):
    """The order's payment ledger: attempts, outcomes, refunds (extra charges too), disputes, receipts, events."""

    model = PaymentEvent
    fields = ["created_at", "kind", "stripe_object_id", "amount", "detail", "stripe_event_id", "stripe_event_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DownloadEventInline(admin.TabularInline):
    """Every download link issued for the order and every file served or refused: evidence in a dispute."""

    model = DownloadEvent
    fk_name = "order"
    fields = ["at", "kind", "address", "user_agent", "bytes", "expires_at", "link", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Downloads"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    inlines = [PaymentEventInline, DownloadEventInline]
    list_display = ["id", "ordered_at", "user", "product", "price", "currency", "status", "disputed"]
    list_filter = ["status", "disputed", ("ordered_at", admin.DateFieldListFilter)]
    date_hierarchy = "ordered_at"
    search_fields = ["user__email", "stripe_charge_id", "stripe_customer_id", "stripe_payment_intent_id"]
    list_select_related = ["user", "product"]
    readonly_fields = [
        "stripe_token",
        "stripe_customer_id",
        "stripe_charge_id",
        "stripe_payment_intent_id",
        "installation",
        "card_brand",
        "card_last4",
        "disputed",
        "receipt_sent_at",
        "idempotency_key",
        "charge_attempted_at",
        "outcome_unknown",
        "updated_at",
    ]
    raw_id_fields = ["user", "product"]
    actions = ["refund"]

    @admin.action(description="Refund selected paid orders on Stripe")
    def refund(self, request, queryset):
        for order in queryset.order_by("id"):
            try:
                order_refund(order=order)
            except ApplicationError as error:
                self.message_user(request, f"Order {order.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"Order {order.pk} refunded.", messages.SUCCESS)
