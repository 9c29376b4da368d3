"""Catalog writes."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from catalog.models import Product

STARTER_CATALOG = Path(__file__).resolve().parent / "data" / "starter_catalog.json"


def product_catalog_load(*, path: Path = STARTER_CATALOG) -> tuple[int, int]:
    """Create or update the products listed in a JSON file, keeping their ids; return (created, updated)."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    created = updated = 0
    with transaction.atomic():
        for item in items:
            defaults = {
                "title": item["title"],
                "description": item["description"],
                "price": Decimal(item["price"]),
                "currency": item.get("currency", "usd"),
                "url": item["url"],
                "thumbnail_url": item.get("thumbnail_url", ""),
                "on_sale": item.get("on_sale", True),
            }
            product = Product.objects.filter(pk=item["id"]).first()
            if product is None:
                Product.objects.create(pk=item["id"], **defaults)
                created += 1
            elif any(getattr(product, key) != value for key, value in defaults.items()):
                for key, value in defaults.items():
                    setattr(product, key, value)
                product.save()
                updated += 1
    _reset_sequence()
    return created, updated


def _reset_sequence() -> None:
    """Move the id sequence past explicit ids, so admin-created products don't collide."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), [Product])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
