"""The built site as objects to upload: each file's key, body, Content-Type and Cache-Control."""

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_REVALIDATE = "no-cache"
INDEX_DOCUMENT = "index.html"
# The build's content-named files: scripts, their chunks, the stylesheet.
ASSETS_PREFIX = "assets/"

# Types that mimetypes gets wrong or does not know on every system.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".wasm": "application/wasm",
}
TEXT_TYPES = {
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
    "text/javascript",
}

# A content hash in the file name: "app.3f9a1c2b.js", "index-B3kq9xZa.css", "logo.5d41402abc4b2a76.svg".
_HASHED_NAME = re.compile(r"[.-](?P<hash>[A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$")


def content_type(name: str) -> str:
    """Return the Content-Type for a file name, with charset=utf-8 for text."""
    suffix = Path(name).suffix.lower()
    value = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if value.startswith("text/") or value in TEXT_TYPES:
        value += "; charset=utf-8"
    return value


def is_versioned(name: str) -> bool:
    """Tell whether a file name carries a content hash (so it can be cached forever)."""
    match = _HASHED_NAME.search(Path(name).name)
    if not match:
        return False
    digest = match["hash"]
    is_hex = re.fullmatch(r"[0-9a-f]+", digest) is not None
    has_digit = any(ch.isdigit() for ch in digest)
    mixed_case = digest.lower() != digest and digest.upper() != digest
    return is_hex or has_digit or mixed_case


def cache_control(name: str) -> str:
    """Return the Cache-Control for an object key: immutable when hashed, revalidated otherwise.

    Everything the build writes under assets/ is named by its content (frontend/build.mjs), as
    WhiteNoise takes it in development: esbuild's hashes are 8 letters and digits 2-7, and about one
    in five has no digit ("app-QWERTYUI.js"), which the name test alone would take for a word.
    """
    if name == INDEX_DOCUMENT:
        return CACHE_REVALIDATE
    if name.startswith(ASSETS_PREFIX) or is_versioned(name):
        return CACHE_IMMUTABLE
    return CACHE_REVALIDATE


# The build writes a Brotli and a gzip copy beside each text file (frontend/build.mjs).
PRECOMPRESSED = (".br", ".gz")


@dataclass(frozen=True)
class LocalFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str
    # "gzip" when `body` is the build's gzip copy: S3 cannot choose an encoding per request,
    # and every browser accepts gzip, so the object is the gzip copy, served as such.
    content_encoding: str = ""

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


def site_files(dist: Path, *, index: bytes) -> list[LocalFile]:
    """Collect the build's files as objects to upload, with ``index.html`` replaced by `index`.

    `index` is the built page with its runtime settings written in (deploy/frontend.py).
    """
    if not (dist / INDEX_DOCUMENT).is_file():
        raise FileNotFoundError(f"{dist / INDEX_DOCUMENT} not found: build the site first.")
    files = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        if any(part.startswith(".") for part in Path(key).parts):
            continue
        if path.suffix in PRECOMPRESSED and path.with_suffix("").is_file():
            continue  # a compressed copy: it goes up as its file's body, below
        gzipped = path.with_name(path.name + ".gz")
        if key == INDEX_DOCUMENT:
            # The build's copies are of the page without its settings: compressed again, the same
            # way every time (no timestamp), so that an unchanged page is not uploaded again.
            body = gzip.compress(index, compresslevel=9, mtime=0)
            files.append(LocalFile(key, body, content_type(key), cache_control(key), "gzip"))
        elif gzipped.is_file():
            files.append(LocalFile(key, gzipped.read_bytes(), content_type(key), cache_control(key), "gzip"))
        else:
            files.append(LocalFile(key, path.read_bytes(), content_type(key), cache_control(key)))
    # Hashed assets first, index.html last: a visitor never gets a page naming assets not there yet.
    return sorted(files, key=lambda item: (item.key == INDEX_DOCUMENT, item.cache_control != CACHE_IMMUTABLE, item.key))


def human_size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1000**2:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1000**2:.1f} MB"
