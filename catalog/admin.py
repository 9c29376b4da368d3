from django.contrib import admin

from catalog.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "price", "currency", "on_sale", "updated_at"]
    list_filter = ["on_sale", "currency"]
    list_editable = ["on_sale"]
    search_fields = ["title", "description"]
    readonly_fields = ["created_at", "updated_at"]
