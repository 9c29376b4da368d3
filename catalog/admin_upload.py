"""The admin's multi-upload: staff drop many photos on one page, each sent on its own request.

`GET /admin/catalog/product/upload/` is the page (staff who may add products); its script
(catalog/static/catalog/upload.js) posts each file to `POST /admin/catalog/product/upload/photo/`
with the price and currency, one file a request (so each body stays under PHOTOS_MAX_UPLOAD_BYTES:
catalog.middleware), and shows the upload's progress and the answer. The photo goes through the
same service as `manage.py add_photo` (catalog.photos.product_photo_add_queued): kept as its
original at once, on sale when the worker has made its derivatives; title, credit and licence from
its metadata, else the title from the file name; a duplicate is refused naming the existing product.
"""

from decimal import Decimal
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from catalog.errors import PhotoInvalid
from catalog.images import FORMATS
from catalog.models import Currency, Product
from catalog.photos import product_photo_add_queued
from frameseller.exceptions import STATUS_CODES, error_body

# What the file picker offers (any file dropped is still sent: the service says why it refuses one).
ACCEPT = ",".join([*(mime for mime, _ in FORMATS.values()), ".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"])


class PhotoUploadForm(forms.Form):
    """The price and currency every photo of the batch is put on sale at, and (per request) the photo."""

    price = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.50"),
        help_text="In major units (120 or 12.50), for every photo sent.",
    )
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)
    photo = forms.FileField(required=False, allow_empty_file=True)  # the service says what is wrong with it


def untitled(file_name: str) -> str:
    """The title a photo without one in its metadata gets: its file name, as `manage.py add_photo` makes it."""
    return PurePath(file_name).stem.replace("_", " ").replace("-", " ").strip()[:200] or "Untitled"


def photos_upload_view(model_admin, request):
    """Show the page where staff drop (or choose) many photos to put on sale."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Add photos",
        "opts": model_admin.model._meta,
        "form": PhotoUploadForm(),
        "accept": ACCEPT,
        "max_bytes": settings.PHOTOS_MAX_UPLOAD_BYTES,
    }
    return TemplateResponse(request, "admin/catalog/product/upload.html", context)


def _refused(status: int, message: str, code: str, **extra) -> JsonResponse:
    return JsonResponse(error_body(message, code, **extra), status=status)


@never_cache
@csrf_protect
@require_POST
def photo_upload_api(request, *, model_admin):
    """Add the one photo of the request; answer the product made (201) or why the photo was refused, as JSON."""
    if not model_admin.admin_site.has_permission(request) or not model_admin.has_add_permission(request):
        return _refused(403, "Log in as a staff member who may add products.", STATUS_CODES[403])
    form = PhotoUploadForm(request.POST, request.FILES)
    upload = request.FILES.get("photo")
    name = upload.name if upload else ""
    if not form.is_valid():
        message = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return _refused(400, message, STATUS_CODES[400], file=name)
    if upload is None:
        return _refused(400, "photo: Choose a photo file.", STATUS_CODES[400], file=name)
    try:
        product = product_photo_add_queued(
            file=upload,
            price=form.cleaned_data["price"],
            currency=form.cleaned_data["currency"],
            untitled=untitled(name),
        )
    except PhotoInvalid as error:
        extra = dict(error.extra)
        if "product" in extra:
            extra["product_url"] = _change_url(extra["product"])
        return _refused(error.status_code, error.message, error.code, file=name, **extra)
    except ValidationError as error:
        message = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items())
        return _refused(400, message, STATUS_CODES[400], file=name)
    return JsonResponse({"file": name, "product": _product_body(product)}, status=201)


def _change_url(pk: int) -> str:
    return reverse("admin:catalog_product_change", args=[pk])


def _product_body(product: Product) -> dict:
    return {
        "id": product.pk,
        "title": product.title,
        "on_sale": product.on_sale,
        "url": _change_url(product.pk),
        "width": product.width,
        "height": product.height,
    }
