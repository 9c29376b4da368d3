"""Add a photo to the catalog: keep its original, private and untouched, and make its derivatives.

Files are named by the SHA-256 of the original, so the same photo added twice is stored once
and a derivative's URL changes whenever its content does (public caches may keep it for good).
A new photo whose pixels (or bytes) are already in the catalog is refused, naming the product.

Photos added in bulk (`manage.py add_photo`, `product_photo_add_queued`) keep their original at
once and go on sale when the worker has made their derivatives (catalog.tasks).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from catalog.errors import PhotoInvalid
from catalog.images import Original, original_read, preview_make, thumbnail_make
from catalog.models import Product
from catalog.storage import derivatives_storage, originals_storage

# Bump when the derivatives change (size, quality, watermark): new names, fresh caches.
DERIVATIVES_VERSION = "v1"


def _duplicate_refused(product: Product) -> PhotoInvalid:
    """The refusal of a photo already in the catalog (the same pixels, or the same file), naming its product."""
    return PhotoInvalid(
        f"The same photo is already in the catalog: product {product.pk}, {product}.", extra={"product": product.pk}
    )


def product_photo_duplicate(*, original: Original) -> Product | None:
    """Return the product that already has this photo (same pixels, or the same bytes), if any."""
    same = Q(original_sha256=original.sha256)
    if original.pixels_sha256:
        same |= Q(pixels_sha256=original.pixels_sha256)
    return Product.objects.filter(same).order_by("pk").first()


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
    product.pixels_sha256 = original.pixels_sha256
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
    """Put a new photo on sale; raise PhotoInvalid (adding nothing) if the file is not a usable photo or a duplicate."""
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
    if duplicate := product_photo_duplicate(original=original):
        raise _duplicate_refused(duplicate)
    product.full_clean(exclude=["original", "thumbnail", "preview"])
    return _product_photo_apply(product=product, original=original)


def product_photo_add_queued(
    *,
    file,
    price: Decimal,
    title: str = "",
    untitled: str = "",
    description: str = "",
    currency: str = "usd",
    credit: str = "",
    license: str = "",
    source_url: str = "",
) -> Product:
    """Keep a new photo's original and have the worker make its derivatives; it goes on sale then.

    What is not given comes from the photo's own IPTC/XMP metadata, the title from `untitled`
    last. Raise PhotoInvalid (adding nothing) for a file that is not a usable photo or a duplicate.
    """
    from catalog.tasks import product_derivatives_task

    original = original_read(file)
    if duplicate := product_photo_duplicate(original=original):
        raise _duplicate_refused(duplicate)
    found = original.metadata
    title = title or found.title or untitled
    product = Product(
        title=title,
        description=description or found.description or title,
        price=price,
        currency=currency,
        credit=credit or found.credit,
        license=license or found.license,
        source_url=source_url,
        on_sale=False,  # until its derivatives exist
        original_bytes=original.size,
        original_sha256=original.sha256,
        pixels_sha256=original.pixels_sha256,
        original_content_type=original.content_type,
        width=original.width,
        height=original.height,
    )
    product.full_clean(exclude=["original", "thumbnail", "preview"])
    name = f"{original.sha256[:2]}/{original.sha256}{original.extension}"
    _save_once(originals_storage(), name, lambda: original.content)
    product.original.name = name
    product.save()
    transaction.on_commit(lambda: product_derivatives_task.enqueue(product_id=product.pk))
    return product


def product_derivatives_make(*, product_id: int) -> bool:
    """Make the thumbnail and preview of a product's stored original and put it on sale; return whether it did.

    Safe to run again (a task may): the files are saved once, and a product that has them is left as it is.
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None or not product.original or (product.thumbnail and product.preview):
        return False
    with originals_storage().open(product.original.name, "rb") as stored:
        original = original_read(stored)
    files = photo_store(original=original)
    product.thumbnail.name = files.thumbnail
    product.preview.name = files.preview
    product.on_sale = True
    product.save(update_fields=["thumbnail", "preview", "on_sale", "updated_at"])
    return True


def _save_once(storage, name: str, make) -> None:
    """Save the content `make()` returns under `name`, unless a file of that name is already stored."""
    if storage.exists(name):
        return
    saved = storage.save(name, ContentFile(make()))
    if saved != name:  # pragma: no cover - another process stored the same photo at the same moment
        storage.delete(saved)
