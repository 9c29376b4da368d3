from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from frameseller.exceptions import ApplicationError
from orders.disputes import DisputeNotSubmittable, dispute_evidence_submit
from orders.models import Dispute, DownloadEvent, Order, PaymentEvent
from orders.refunds import order_refund
from orders.sales_admin import sales_view


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


class DisputeInline(admin.TabularInline):
    """The disputes on the order's charge: their status, the evidence's due date and whether it was submitted."""

    model = Dispute
    fields = ["dispute", "status", "due_by", "drafted_at", "submitted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="dispute")
    def dispute(self, obj):
        url = reverse("admin:orders_dispute_change", args=[obj.pk])
        return format_html('<a href="{}">{} (evidence)</a>', url, obj.stripe_dispute_id)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    inlines = [DisputeInline, PaymentEventInline, DownloadEventInline]
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
        "client_address",
        "idempotency_key",
        "charge_attempted_at",
        "outcome_unknown",
        "updated_at",
    ]
    raw_id_fields = ["user", "product"]
    actions = ["refund"]
    change_list_template = "admin/orders/order/change_list.html"

    def get_urls(self):
        sales = self.admin_site.admin_view(partial(sales_view, self))
        return [path("sales/", sales, name="orders_order_sales"), *super().get_urls()]

    @admin.action(description="Refund selected paid orders on Stripe")
    def refund(self, request, queryset):
        for order in queryset.order_by("id"):
            try:
                order_refund(order=order)
            except ApplicationError as error:
                self.message_user(request, f"Order {order.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"Order {order.pk} refunded.", messages.SUCCESS)


def _time_left(due_by) -> str:
    if due_by is None:
        return "due date not known yet"
    left = due_by - timezone.now()
    if left.total_seconds() <= 0:
        return "past due"
    days, hours = left.days, left.seconds // 3600
    return f"{days} day(s) {hours} h left" if days else f"{hours} h {left.seconds % 3600 // 60} min left"


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """A dispute's drafted evidence, and the one click that submits it to Stripe before its due date."""

    change_form_template = "admin/orders/dispute/change_form.html"
    list_display = ["stripe_dispute_id", "order", "status", "amount_shown", "due_by", "time_left", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["stripe_dispute_id", "order__stripe_charge_id", "order__user__email"]
    list_select_related = ["order"]
    fields = [
        "stripe_dispute_id",
        "order_link",
        "status",
        "reason",
        "amount_shown",
        "due_by",
        "time_left",
        "drafted_at",
        "submitted_at",
        "submitted_by",
        "evidence_table",
    ]
    readonly_fields = fields
    actions = ["submit_evidence"]

    class Media:
        css = {"all": ["orders/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="amount")
    def amount_shown(self, obj):
        if obj.amount is None:
            return "-"
        return f"{obj.amount / 100:.2f} {obj.currency.upper()}"

    @admin.display(description="time left")
    def time_left(self, obj):
        return "submitted" if obj.submitted_at else _time_left(obj.due_by)

    @admin.display(description="order")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">Order {}</a>', url, obj.order_id)

    @admin.display(description="evidence (drafted from the shop's records)")
    def evidence_table(self, obj):
        if not obj.evidence:
            return "Not drafted yet: the worker drafts it from the order, the receipt and the downloads."
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            sorted(obj.evidence.items()),
        )
        return format_html('<table class="dispute-evidence"><caption>Stripe evidence fields</caption>{}</table>', rows)

    def get_urls(self):
        submit = self.admin_site.admin_view(require_POST(self.submit_view))
        return [path("<int:pk>/submit/", submit, name="orders_dispute_submit"), *super().get_urls()]

    def submit_view(self, request, pk: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        dispute = get_object_or_404(Dispute.objects.select_related("order"), pk=pk)
        self._submit(request, dispute)
        return HttpResponseRedirect(reverse("admin:orders_dispute_change", args=[pk]))

    @admin.action(description="Submit the drafted evidence to Stripe", permissions=["change"])
    def submit_evidence(self, request, queryset):
        for dispute in queryset.select_related("order").order_by("id"):
            self._submit(request, dispute)

    def _submit(self, request, dispute: Dispute) -> None:
        try:
            dispute_evidence_submit(dispute=dispute, by=request.user.get_username())
        except DisputeNotSubmittable as refused:
            self.message_user(request, f"Dispute {dispute.stripe_dispute_id}: {refused.message}", messages.ERROR)
        else:
            self.message_user(
                request, f"Dispute {dispute.stripe_dispute_id}: evidence submitted to Stripe.", messages.SUCCESS
            )
