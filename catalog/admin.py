from functools import partial

from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.html import format_html

from catalog.admin_upload import photo_upload_api, photos_upload_view
from catalog.errors import PhotoInvalid
from catalog.images import original_check_for_sale, original_read
from catalog.models import Product
from catalog.photos import product_photo_set


class ProductForm(forms.ModelForm):
    photo = forms.FileField(
        required=False,
        help_text="The original (JPEG, PNG, WebP or TIFF), its long edge at least PHOTOS_MIN_LONG_EDGE "
        "(1200 px by default), kept private and untouched; buyers download it. The thumbnails and the "
        "watermarked preview are made from it.",
    )

    class Meta:
        model = Product
        fields = ["title", "description", "price", "currency", "credit", "license", "source_url", "on_sale"]

    def clean_photo(self):
        file = self.cleaned_data.get("photo")
        if file is None:
            if self.instance.pk is None or not self.instance.original:
                raise forms.ValidationError("Choose the photo's original file.")
            return None
        try:
            self.original = original_read(file)
            original_check_for_sale(self.original)
        except PhotoInvalid as error:
            raise forms.ValidationError(error.message) from None
        return file


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    change_list_template = "admin/catalog/product/change_list.html"
    list_display = ["id", "thumbnail_tag", "title", "price", "currency", "size", "on_sale", "updated_at"]
    list_display_links = ["id", "thumbnail_tag", "title"]
    list_filter = ["on_sale", "currency"]
    list_editable = ["on_sale"]
    search_fields = ["title", "description", "credit"]
    readonly_fields = [
        "preview_tag",
        "size",
        "original_bytes",
        "original_sha256",
        "original_content_type",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "description", "price", "currency", "on_sale"]}),
        ("Photo", {"fields": ["photo", "preview_tag", "size", "credit", "license", "source_url"]}),
        ("Original file (private)", {"fields": ["original_bytes", "original_sha256", "original_content_type"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_urls(self):
        # The multi-upload page goes through the admin's login; its endpoint answers JSON (403) instead.
        page = self.admin_site.admin_view(partial(photos_upload_view, self))
        api = partial(photo_upload_api, model_admin=self)
        return [
            path("upload/", page, name="catalog_product_upload"),
            path("upload/photo/", api, name="catalog_product_upload_photo"),
            *super().get_urls(),
        ]

    @admin.display(description="Photo")
    def thumbnail_tag(self, product):
        if not product.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" style="height:48px">', product.thumbnail.url)

    @admin.display(description="Preview")
    def preview_tag(self, product):
        if not product.preview:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width:480px;max-height:320px">', product.preview.url)

    @admin.display(description="Size in pixels")
    def size(self, product):
        return f"{product.width} × {product.height}" if product.width else "—"

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("photo") is not None:
            product_photo_set(product=obj, file=form.cleaned_data["photo"])
        else:
            super().save_model(request, obj, form, change)
