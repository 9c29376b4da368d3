"""The catalog's JSON shape, shared with the orders that embed a product."""

from collections.abc import Callable
from decimal import Decimal

from django.utils.encoding import filepath_to_uri
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Product
from catalog.storage import local_url_prefix


def money_json(value: Decimal) -> int | float:
    """Return an exact amount as a JSON number: 100 for 100.00, 12.5 for 12.50.

    Two-decimal amounts below 10**13 survive the trip through a float exactly,
    and the JSON text is the shortest form that reads back to the same value.
    """
    value = Decimal(value).quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@extend_schema_field(OpenApiTypes.NUMBER)
class MoneyField(serializers.Field):
    """An exact amount as a JSON number (see money_json)."""

    def to_representation(self, value: Decimal):
        return money_json(value)


# An absolute URL, or "" for a product without a photo (never null: the 2017 clients read a string).
PHOTO_URL_SCHEMA = {"oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}


@extend_schema_field(PHOTO_URL_SCHEMA)
class PhotoUrlField(serializers.Field):
    """The absolute public URL of a derivative (thumbnail or preview); "" for a product without one.

    Never used for an original, whose storage has no public URL.
    """

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return ""
        url = value.storage.url(value.name)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


IMAGE_LIST_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "type": {"type": "string", "enum": ["image/jpeg", "image/webp"]},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
        },
        "required": ["url", "type", "width", "height"],
    },
}


def images_data(derivatives: list | None, kind: str, photo_url: Callable[[str], str]) -> list[dict]:
    """The `kind` derivatives recorded on a product (Product.derivatives) as the API lists them."""
    return [
        {"url": photo_url(name), "type": content_type, "width": width, "height": height}
        for row_kind, content_type, width, height, name in derivatives or ()
        if row_kind == kind
    ]


@extend_schema_field(IMAGE_LIST_SCHEMA)
class ImagesField(serializers.Field):
    """A product's thumbnails or previews, each size and format: for `srcset` and `<picture>`."""

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        kwargs["read_only"] = True
        kwargs["source"] = "derivatives"
        super().__init__(**kwargs)

    def to_representation(self, value):
        return images_data(value, self.kind, photo_urls(self.context.get("request")))

    def get_attribute(self, instance):
        # Null (a photo made before them) is answered as an empty list, never skipped.
        return instance.derivatives or []


class ProductSerializer(serializers.ModelSerializer):
    price = MoneyField(help_text="In major currency units: 100 means 100.00.")
    url = PhotoUrlField(source="preview", help_text="The watermarked preview (as `preview_url`).")
    thumbnail_url = PhotoUrlField(source="thumbnail", help_text="Long edge at most 480 px.")
    preview_url = PhotoUrlField(source="preview", help_text="Long edge at most 1600 px, watermarked.")
    width = serializers.IntegerField(help_text="Of the original, in pixels.")
    height = serializers.IntegerField(help_text="Of the original, in pixels.")
    credit = serializers.CharField(help_text="Who made the photo.")
    license = serializers.CharField(help_text="What the buyer may do with the photo.")
    thumbnails = ImagesField(
        "thumbnail",
        help_text="The thumbnail for 1x, 2x and 3x screens (long edge 480, 960, 1440 px, at most half the "
        "original's), each as JPEG and WebP, smallest first: for `srcset`. Those over 480 px are watermarked. "
        "Empty for a photo whose derivatives are still being made.",
    )
    previews = ImagesField(
        "preview",
        help_text="The watermarked preview (as `preview_url`) as JPEG and WebP. Empty as `thumbnails` is.",
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "price",
            "description",
            "url",
            "title",
            "currency",
            "thumbnail_url",
            "preview_url",
            "width",
            "height",
            "credit",
            "license",
            "thumbnails",
            "previews",
        ]
        read_only_fields = fields


def photo_urls(request) -> Callable[[str], str]:
    """Return a function giving a derivative's absolute URL from its stored name, as PhotoUrlField does, faster.

    The storage is asked once per name (a list names the same photo again and again), the
    request's address is parsed once, and a local folder's URL is its base URL and the quoted
    name (what FileSystemStorage.url() computes, without its urljoin: a tenth of the time).
    """
    storage = Product._meta.get_field("preview").storage
    base = request.build_absolute_uri("/")[:-1] if request is not None else ""
    known: dict[str, str] = {"": ""}
    local = local_url_prefix(storage)
    if local is not None:
        prefix = base + local

        def stored_url(name: str) -> str:
            return prefix + filepath_to_uri(name).lstrip("/")

    else:

        def stored_url(name: str) -> str:
            url = storage.url(name)
            if url.startswith("/") and not url.startswith("//"):
                return base + url
            return request.build_absolute_uri(url) if request is not None else url

    def photo_url(name: str) -> str:
        url = known.get(name)
        if url is None:
            url = known[name] = stored_url(name)
        return url

    return photo_url


def product_list_data(rows: list[tuple], *, photo_url: Callable[[str], str]) -> list[dict]:
    """Shape catalog.selectors.PRODUCT_LIST_COLUMNS rows exactly as ProductSerializer shapes products, only faster."""
    return [
        {
            "id": pk,
            "price": money_json(price),
            "description": description,
            "url": photo_url(preview),
            "title": title,
            "currency": currency,
            "thumbnail_url": photo_url(thumbnail),
            "preview_url": photo_url(preview),
            "width": width,
            "height": height,
            "credit": credit,
            "license": license_,
            "thumbnails": images_data(derivatives, "thumbnail", photo_url),
            "previews": images_data(derivatives, "preview", photo_url),
        }
        for (
            pk,
            price,
            description,
            preview,
            title,
            currency,
            thumbnail,
            width,
            height,
            credit,
            license_,
            derivatives,
        ) in rows
    ]
