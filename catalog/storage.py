"""Where photos are kept: private originals and public derivatives, two entries of settings.STORAGES.

Locally both are folders under var/ (the originals' one is never served); in production two S3
buckets through django-storages (frameseller/settings.py, "Photos"). The models reach them through
the callables below, which follow a change of settings.STORAGES (as the tests make).
"""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ORIGINALS = "photo_originals"
DERIVATIVES = "photo_derivatives"


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder whose files have no URL: they leave only through a signed download link."""

    def url(self, name):
        raise ValueError("An original photo has no public URL; issue a download link instead.")


class _StorageAlias(LazyObject):
    """settings.STORAGES[alias], looked up again after the setting changes."""

    def __init__(self, alias: str):
        self.__dict__["_alias"] = alias
        super().__init__()

    def _setup(self):
        self._wrapped = storages[self.__dict__["_alias"]]


_originals = _StorageAlias(ORIGINALS)
_derivatives = _StorageAlias(DERIVATIVES)


def originals_storage():
    """The private storage of the originals."""
    return _originals


def derivatives_storage():
    """The public storage of thumbnails and previews."""
    return _derivatives


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _originals._wrapped = empty
        _derivatives._wrapped = empty


def is_s3(storage) -> bool:
    """Return True for an S3 storage (presigned URLs), False for a local folder."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a pinned requirement
        return False
    return isinstance(storage, S3Storage)


def local_url_prefix(storage) -> str | None:
    """Return the path a local folder's files are served under ("/media/"), None for any other storage.

    A file's URL is then this prefix and its quoted name (what FileSystemStorage.url() computes, without
    its urljoin); an S3 storage, or a folder with an absolute base URL, builds each URL itself.
    """
    if isinstance(storage, PrivateFileSystemStorage) or not isinstance(storage, FileSystemStorage):
        return None
    if storage.base_url and storage.base_url.startswith("/"):
        return storage.base_url.rstrip("/") + "/"
    return None
