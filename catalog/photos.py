"""Add a photo to the catalog: keep its original, private and untouched, and make its derivatives.

A photo too small to sell (catalog.images.original_check_for_sale) is refused. Its derivatives are
the thumbnails for 1x, 2x and 3x screens and the watermarked preview, each as JPEG and WebP; the
product records them all (Product.derivatives), the 1x JPEG thumbnail and the JPEG preview also
as `thumbnail` and `preview` (what the API's first clients read).

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
from catalog.images import (
    DERIVATIVE_TYPES,
    Original,
    derivatives_make,
    original_check_for_sale,
    original_read,
    preview_long_edge,
    scaled_size,
    thumbnail_long_edges,
)
from catalog.models import Product
from catalog.storage import derivatives_storage, originals_storage

# Bump when the derivatives change (size, quality, watermark): new names, fresh caches.
DERIVATIVES_VERSION = "v2"


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
    """The stored names of a photo's files; `derivatives` as Product.derivatives records them."""

    original: str
    thumbnail: str
    preview: str
    derivatives: list


def derivative_names(*, original: Original) -> list[list]:
    """Each derivative of `original` as [kind, content type, width, height, stored name], smallest first."""
    digest, width, height = original.sha256, original.width, original.height
    planned = [("thumbnail", "thumbs", edge) for edge in thumbnail_long_edges(width, height)]
    planned.append(("preview", "previews", preview_long_edge(width, height)))
    names = []
    for kind, folder, edge in planned:
        size = scaled_size(width, height, edge)
        for content_type, extension in DERIVATIVE_TYPES:
            name = f"{folder}/{digest[:20]}-{DERIVATIVES_VERSION}-{max(size)}{extension}"
            names.append([kind, content_type, size[0], size[1], name])
    return names


def photo_store(*, original: Original) -> PhotoFiles:
    """Store an original (bytes untouched) and its thumbnails and previews; return their names."""
    digest = original.sha256
    derivatives = derivative_names(original=original)
    jpeg = [row for row in derivatives if row[1] == "image/jpeg"]
    files = PhotoFiles(
        original=f"{digest[:2]}/{digest}{original.extension}",
        thumbnail=next(row[4] for row in jpeg if row[0] == "thumbnail"),
        preview=next(row[4] for row in jpeg if row[0] == "preview"),
        derivatives=derivatives,
    )
    _save_once(originals_storage(), files.original, lambda: original.content)
    storage = derivatives_storage()
    missing = [row for row in derivatives if not storage.exists(row[4])]
    if missing:
        made = {(d.kind, d.content_type, d.width, d.height): d.content for d in derivatives_make(original)}
        for kind, content_type, width, height, name in missing:
            _save_once(storage, name, lambda key=(kind, content_type, width, height): made[key])
    return files


def product_photo_set(*, product: Product, file) -> Product:
    """Check `file`, store it as the product's original with its derivatives, and save the product.

    Nothing is stored or saved when the file is refused (PhotoInvalid), a photo too small to sell included.
    """
    original = original_read(file)
    original_check_for_sale(original)
    return _product_photo_apply(product=product, original=original)


def _product_photo_apply(*, product: Product, original: Original) -> Product:
    files = photo_store(original=original)
    product.original.name = files.original
    product.thumbnail.name = files.thumbnail
    product.preview.name = files.preview
    product.derivatives = files.derivatives
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
    original_check_for_sale(original)
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
    original_check_for_sale(original)
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
    """Make the thumbnails and previews of a product's stored original and put it on sale; return whether it did.

    Safe to run again (a task may): the files are saved once, and a product that has this version's
    derivatives is left as it is. A product made before them (no `derivatives` recorded) gets them,
    and stays on sale or off sale as it was.
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None or not product.original or product_derivatives_current(product):
        return False
    with originals_storage().open(product.original.name, "rb") as stored:
        original = original_read(stored)
    files = photo_store(original=original)
    first_time = not (product.thumbnail and product.preview)
    product.thumbnail.name = files.thumbnail
    product.preview.name = files.preview
    product.derivatives = files.derivatives
    product.on_sale = product.on_sale or first_time
    product.save(update_fields=["thumbnail", "preview", "derivatives", "on_sale", "updated_at"])
    return True


def product_derivatives_current(product: Product) -> bool:
    """Whether the product has this version's derivatives recorded."""
    return bool(product.thumbnail and product.preview and product.derivatives) and all(
        f"-{DERIVATIVES_VERSION}-" in row[4] for row in product.derivatives
    )


def _save_once(storage, name: str, make) -> None:
    """Save the content `make()` returns under `name`, unless a file of that name is already stored."""
    if storage.exists(name):
        return
    saved = storage.save(name, ContentFile(make()))
    if saved != name:  # pragma: no cover - another process stored the same photo at the same moment
        storage.delete(saved)
