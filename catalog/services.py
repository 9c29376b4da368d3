"""Catalog writes: the starter catalog."""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog.errors import PhotoInvalid
from catalog.images import original_check_for_sale, original_read
from catalog.models import Product
from catalog.photos import photo_store, product_derivatives_current
from catalog.storage import derivatives_storage, originals_storage

STARTER_CATALOG = Path(__file__).resolve().parent / "data" / "photos" / "catalog.json"


@dataclass
class CatalogLoaded:
    """What product_catalog_load did: photos created, updated, and those it could not load, with why."""

    created: int = 0
    updated: int = 0
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def starter_photos_folder(catalog: dict, path: Path) -> Path:
    """Where a catalog's photo files are: its package unpacked in STARTER_PHOTOS_DIR (or installed), else beside it."""
    package = catalog.get("package")
    if not package:
        return path.parent
    unpacked = Path(settings.STARTER_PHOTOS_DIR) / package["folder"]
    installed = Path("/") / package["folder"]
    if not unpacked.is_dir() and (installed / catalog["photos"][0]["file"]).is_file():
        return installed
    return unpacked


def product_catalog_load(*, path: Path = STARTER_CATALOG) -> CatalogLoaded:
    """Create or update the photos listed in a JSON file, keeping their ids; say what was done.

    The file lists `photos` (each with its original's file name and, optionally, its `sha256`) and
    `retired` ids, taken off sale if present (never deleted: orders refer to them). The files are
    beside the JSON, or, when it names a `package`, in that package unpacked in STARTER_PHOTOS_DIR
    (`make starter-photos`). A photo whose file is missing, or is not the one named (another
    sha256), or is too small to sell, is left out and reported; the others load. Running it again
    changes nothing.
    """
    path = Path(path)
    catalog = json.loads(path.read_text(encoding="utf-8"))
    folder = starter_photos_folder(catalog, path)
    loaded = CatalogLoaded()
    with transaction.atomic():
        Product.objects.filter(pk__in=catalog.get("retired", []), on_sale=True).update(on_sale=False)
        for item in catalog["photos"]:
            file = folder / item["file"]
            if not file.is_file():
                loaded.missing.append(str(file))
                continue
            try:
                done = _photo_load(item=item, file=file)
            except PhotoInvalid as error:
                loaded.refused.append(f"{file}: {error.message}")
                continue
            loaded.created += done == "created"
            loaded.updated += done == "updated"
    _reset_sequence()
    return loaded


def _photo_load(*, item: dict, file: Path) -> str:
    """Create or update one photo of the catalog; return "created", "updated" or "" (unchanged)."""
    with file.open("rb") as handle:
        original = original_read(handle)
    if item.get("sha256") and original.sha256 != item["sha256"]:
        raise PhotoInvalid(f"not the photo the catalog names (sha256 {original.sha256}, expected {item['sha256']}).")
    original_check_for_sale(original)
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
        "derivatives": files.derivatives,
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
        and product_derivatives_current(product)
        and originals_storage().exists(product.original.name)
        and all(derivatives_storage().exists(row[4]) for row in product.derivatives)
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
