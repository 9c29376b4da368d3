"""The whole catalog's answer, rendered once per change of the catalog and shared by every worker.

The catalog changes rarely and is read on every visit: GET /api/product/
answers from this rendering, with an ETag, so that a repeat visit costs a
304 and no database query. Saving or deleting a product (the admin, the
management commands) gives the catalog a new version; writes that bypass
model signals (bulk_create, update()) call `catalog_changed()`, and the
rendering expires after RENDERING_SECONDS in any case.
"""

import gzip
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Product
from catalog.selectors import product_list_rows
from catalog.serializers import photo_urls, product_list_data
from frameseller.rendering import json_bytes

VERSION_KEY = "catalog:version"
RENDERING_SECONDS = 60


@dataclass(frozen=True)
class CatalogRendering:
    version: str
    etag: str  # weak: the same for the gzip and identity encodings
    body: bytes
    gzipped: bytes


@dataclass(frozen=True)
class _Local(CatalogRendering):
    expires: float  # time.monotonic() after which this worker asks the shared cache again


_local = threading.local()  # this worker's copies by address, so a hit costs one cache read


def catalog_changed() -> None:
    """Start a new catalog version: the next request renders the catalog again."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


@receiver([post_save, post_delete], sender=Product, dispatch_uid="catalog_changed")
def _product_changed(**kwargs) -> None:
    catalog_changed()


def catalog_rendering(request) -> CatalogRendering:
    """Return the catalog's current rendering, from this worker, the shared cache or the database.

    The photos' URLs are absolute, built from the request's address when they are served
    by the API itself: one rendering per address (scheme and host).
    """
    version = cache.get(VERSION_KEY)
    if version is None:
        catalog_changed()
        version = cache.get(VERSION_KEY)
    base = request.build_absolute_uri("/")
    mine = getattr(_local, "renderings", {}).get(base)
    if mine is not None and mine.version == version and time.monotonic() < mine.expires:
        return mine
    key = "catalog:rendering:" + hashlib.blake2b(f"{version} {base}".encode(), digest_size=16).hexdigest()
    rendering = cache.get(key)
    if rendering is None:
        body = json_bytes(product_list_data(product_list_rows(), photo_url=photo_urls(request)))
        etag = 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        rendering = CatalogRendering(version, etag, body, gzip.compress(body, compresslevel=6, mtime=0))
        cache.set(key, rendering, RENDERING_SECONDS)
    if not hasattr(_local, "renderings"):
        _local.renderings = {}
    _local.renderings[base] = _Local(
        rendering.version, rendering.etag, rendering.body, rendering.gzipped, time.monotonic() + RENDERING_SECONDS
    )
    return rendering
