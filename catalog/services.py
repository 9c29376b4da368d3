"""Catalog writes: the starter catalog."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from catalog.images import original_read
from catalog.models import Product
from catalog.photos import photo_store
from catalog.storage import derivatives_storage, originals_storage

STARTER_CATALOG = Path(__file__).resolve().parent / "data" / "photos" / "catalog.json"


def product_catalog_load(*, path: Path = STARTER_CATALOG) -> tuple[int, int]:
    """Create or update the photos listed in a JSON file, keeping their ids; return (created, updated).

    The file lists `photos` (each with its original's file name, beside the JSON) and `retired`
    ids, taken off sale if present (never deleted: orders refer to them). Running it again
    changes nothing.
    """
    path = Path(path)
    catalog = json.loads(path.read_text(encoding="utf-8"))
    created = updated = 0
    with transaction.atomic():
        Product.objects.filter(pk__in=catalog.get("retired", []), on_sale=True).update(on_sale=False)
        for item in catalog["photos"]:
            done = _photo_load(item=item, folder=path.parent)
            created += done == "created"
            updated += done == "updated"
    _reset_sequence()
    return created, updated


def _photo_load(*, item: dict, folder: Path) -> str:
    """Create or update one photo of the catalog; return "created", "updated" or "" (unchanged)."""
    with (folder / item["file"]).open("rb") as file:
        original = original_read(file)
    fields = {
        "title": item["title"],
        "description": item["description"],
        "price": Decimal(item["price"]),
        "currency": item.get("currency", "usd"),
        "credit": item.get("credit", ""),
        "license": item.get("license", ""),
        "source_url": item.get("source", ""),
        "on_sale": item.get("on_sale", True),
        "original_sha256": original.sha256,
    }
    product = Product.objects.filter(pk=item["id"]).first()
    if product is not None and _unchanged(product, fields):
        return ""
    files = photo_store(original=original)
    fields |= {
        "original": files.original,
        "thumbnail": files.thumbnail,
        "preview": files.preview,
        "original_bytes": original.size,
        "original_content_type": original.content_type,
        "width": original.width,
        "height": original.height,
    }
    if product is None:
        Product.objects.create(pk=item["id"], **fields)
        return "created"
    for key, value in fields.items():
        setattr(product, key, value)
    product.save()
    return "updated"


def _unchanged(product: Product, fields: dict) -> bool:
    """Whether the product already has these values and all its files are stored."""
    return (
        all(getattr(product, key) == value for key, value in fields.items())
        and product.has_photo
        and originals_storage().exists(product.original.name)
        and derivatives_storage().exists(product.thumbnail.name)
        and derivatives_storage().exists(product.preview.name)
    )


def _reset_sequence() -> None:
    """Move the id sequence past explicit ids, so admin-created products don't collide."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), [Product])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
