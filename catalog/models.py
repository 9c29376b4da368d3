"""The photos on sale."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from catalog.storage import derivatives_storage, originals_storage


class Currency(models.TextChoices):
    """Currencies with two decimal places: the smallest unit is a hundredth (cents)."""

    USD = "usd", "US dollar"
    EUR = "eur", "Euro"
    GBP = "gbp", "Pound sterling"
    CAD = "cad", "Canadian dollar"
    AUD = "aud", "Australian dollar"
    CHF = "chf", "Swiss franc"


class Product(models.Model):
    """A photo with its exact price in major currency units (100 = USD 100.00).

    The original file is private: it leaves only through a download link issued to a buyer
    (orders.downloads). The thumbnail and the watermarked preview are public, made from it when
    the photo is added (catalog.photos).
    """

    title = models.CharField(max_length=200)
    description = models.CharField(max_length=500)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.50"))])
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    credit = models.CharField(max_length=200, blank=True, default="", help_text="Who made the photo.")
    license = models.CharField(
        max_length=300, blank=True, default="", help_text="What the buyer may do with it, e.g. CC0 1.0."
    )
    source_url = models.URLField("source", max_length=500, blank=True, default="", help_text="Where it came from.")
    # The original, exactly as received, and what it is.
    original = models.FileField(storage=originals_storage, max_length=255, blank=True, editable=False)
    original_bytes = models.PositiveBigIntegerField("size in bytes", default=0, editable=False)
    original_sha256 = models.CharField("SHA-256", max_length=64, blank=True, default="", editable=False)
    original_content_type = models.CharField("content type", max_length=50, blank=True, default="", editable=False)
    # Of the decoded pixels, upright: the same photo in another file (re-saved losslessly, its
    # metadata changed) has the same one, and is refused as a duplicate (catalog.photos).
    # A default in the database too: code that does not know the column (a migration test's old
    # state, an instance still on the previous release during a rolling deployment) can insert.
    pixels_sha256 = models.CharField(
        "pixels' SHA-256", max_length=64, blank=True, default="", db_default="", editable=False
    )
    width = models.PositiveIntegerField(default=0, editable=False, help_text="Of the original, in pixels.")
    height = models.PositiveIntegerField(default=0, editable=False, help_text="Of the original, in pixels.")
    # Made from the original; public.
    thumbnail = models.FileField(storage=derivatives_storage, max_length=255, blank=True, editable=False)
    preview = models.FileField(storage=derivatives_storage, max_length=255, blank=True, editable=False)
    # Every public derivative: [kind ("thumbnail" or "preview"), content type, width, height, stored
    # name], the thumbnails for 1x, 2x and 3x screens and the preview, each as JPEG and WebP (catalog.photos).
    # Null for a photo made before them (only `thumbnail` and `preview`), until the worker makes them.
    derivatives = models.JSONField(null=True, blank=True, default=None, editable=False)
    on_sale = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["pixels_sha256"], name="product_pixels_sha256")]

    def __str__(self):
        return self.title or self.description

    @property
    def has_photo(self) -> bool:
        return bool(self.original and self.preview and self.thumbnail)
