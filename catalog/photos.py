"""Add a photo to the catalog: keep its original, private and untouched, and make its derivatives.

Files are named by the SHA-256 of the original, so the same photo added twice is stored once
and a derivative's URL changes whenever its content does (public caches may keep it for good).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile

from catalog.images import Original, original_read, preview_make, thumbnail_make
from catalog.models import Product
from catalog.storage import derivatives_storage, originals_storage

# Bump when the derivatives change (size, quality, watermark): new names, fresh caches.
DERIVATIVES_VERSION = "v1"


@dataclass(frozen=True)
class PhotoFiles:
    """The stored names of a photo's files."""

    original: str
    thumbnail: str
    preview: str


def photo_store(*, original: Original) -> PhotoFiles:
    """Store an original (bytes untouched) and its thumbnail and preview; return their names."""
    digest = original.sha256
    files = PhotoFiles(
        original=f"{digest[:2]}/{digest}{original.extension}",
        thumbnail=f"thumbs/{digest[:20]}-{DERIVATIVES_VERSION}.jpg",
        preview=f"previews/{digest[:20]}-{DERIVATIVES_VERSION}.jpg",
    )
    _save_once(originals_storage(), files.original, lambda: original.content)
    _save_once(derivatives_storage(), files.thumbnail, lambda: thumbnail_make(original))
    _save_once(derivatives_storage(), files.preview, lambda: preview_make(original))
    return files


def product_photo_set(*, product: Product, file) -> Product:
    """Check `file`, store it as the product's original with its derivatives, and save the product.

    Nothing is stored or saved when the file is refused (PhotoInvalid).
    """
    return _product_photo_apply(product=product, original=original_read(file))


def _product_photo_apply(*, product: Product, original: Original) -> Product:
    files = photo_store(original=original)
    product.original.name = files.original
    product.thumbnail.name = files.thumbnail
    product.preview.name = files.preview
    product.original_bytes = original.size
    product.original_sha256 = original.sha256
    product.original_content_type = original.content_type
    product.width, product.height = original.width, original.height
    product.full_clean(exclude=["original", "thumbnail", "preview"])
    product.save()
    return product


def product_photo_add(
    *,
    file,
    title: str,
    price: Decimal,
    description: str = "",
    currency: str = "usd",
    credit: str = "",
    license: str = "",
    source_url: str = "",
) -> Product:
    """Put a new photo on sale; raise PhotoInvalid (adding nothing) if the file is not a usable photo."""
    product = Product(
        title=title,
        description=description or title,
        price=price,
        currency=currency,
        credit=credit,
        license=license,
        source_url=source_url,
    )
    original = original_read(file)
    product.full_clean(exclude=["original", "thumbnail", "preview"])
    return _product_photo_apply(product=product, original=original)


def _save_once(storage, name: str, make) -> None:
    """Save the content `make()` returns under `name`, unless a file of that name is already stored."""
    if storage.exists(name):
        return
    saved = storage.save(name, ContentFile(make()))
    if saved != name:  # pragma: no cover - another process stored the same photo at the same moment
        storage.delete(saved)
