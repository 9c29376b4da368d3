"""The photos on sale."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Currency(models.TextChoices):
    """Currencies with two decimal places: the smallest unit is a hundredth (cents)."""

    USD = "usd", "US dollar"
    EUR = "eur", "Euro"
    GBP = "gbp", "Pound sterling"
    CAD = "cad", "Canadian dollar"
    AUD = "aud", "Australian dollar"
    CHF = "chf", "Swiss franc"


class Product(models.Model):
    """A photo with its exact price in major currency units (100 = USD 100.00)."""

    title = models.CharField(max_length=200)
    description = models.CharField(max_length=500)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.50"))])
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    url = models.URLField("image URL", max_length=500)
    thumbnail_url = models.URLField("thumbnail URL", max_length=500, blank=True, default="")
    on_sale = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title or self.description
