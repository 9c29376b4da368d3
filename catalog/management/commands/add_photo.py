"""Put photos on sale by the hundred: files or folders, kept as originals, their derivatives made by the worker."""

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.errors import PhotoInvalid
from catalog.images import FORMATS
from catalog.models import Currency
from catalog.photos import product_photo_add_queued

# The file names a folder is searched for (a file named on the command line is tried whatever its name).
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"} | {ext for _, ext in FORMATS.values()}


def _price(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"--price must be an amount such as 120 or 12.50, not {value!r}.") from None


def photo_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The files to add, in order (a folder's photos by name, sub-folders too), and a line per missing path."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return files, missing


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, a line every tenth of the way otherwise."""

    WIDTH = 30

    def __init__(self, stream, total: int):
        self.stream, self.total, self.done = stream, total, 0
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.shown = -1

    def step(self) -> None:
        self.done += 1
        tenth = self.done * 10 // max(self.total, 1)
        if not self.tty and tenth == self.shown and self.done != self.total:
            return
        self.shown = tenth
        filled = self.done * self.WIDTH // max(self.total, 1)
        bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total}"
        self.stream.write(f"\r{bar}" if self.tty else bar, ending="" if self.tty else "\n")
        if self.tty and self.done == self.total:
            self.stream.write("")


class Command(BaseCommand):
    help = (
        "Put photos on sale: each FILE, and every photo in each FOLDER, is kept as a private original; "
        "the worker makes its thumbnail and preview, and it goes on sale then. Title, description, credit "
        "and licence come from the options, else from the photo's IPTC/XMP metadata (the title from the "
        "file name last). A file that is not a usable photo, or whose pixels are already in the catalog, "
        "is refused with a line saying why; the others are added."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_FOLDER", help="JPEG, PNG, WebP or TIFF")
        parser.add_argument("--price", required=True, type=_price, help="in major units: 120 or 12.50")
        parser.add_argument("--title", default="", help="default: the photo's metadata, else its file name")
        parser.add_argument("--description", default="", help="default: the photo's metadata, else the title")
        parser.add_argument("--currency", default=Currency.USD, choices=Currency.values)
        parser.add_argument("--credit", default="", help="who made the photo (default: its metadata)")
        parser.add_argument("--license", default="", help="what a buyer may do with it (default: its metadata)")
        parser.add_argument("--source", default="", help="where it came from (a URL)")

    def handle(self, *args, paths: list[Path], **options):
        files, refused = photo_files(paths)
        if not files and not refused:
            raise CommandError("No photos found (JPEG, PNG, WebP or TIFF).")
        progress = Progress(self.stderr, len(files))
        added = []
        started = time.monotonic()
        for path in files:
            reason = self._add(path, options, added)
            if reason:
                refused.append(f"{path}: {reason}")
            progress.step()
        elapsed = time.monotonic() - started
        for product in added if len(added) <= 20 else []:
            self.stdout.write(
                f"Added photo {product.pk}: {product.title}, {product.width} x {product.height} px, "
                f"{product.original_bytes} bytes, sha256 {product.original_sha256}."
            )
        per_photo = f", {elapsed / len(files) * 1000:.0f} ms a file" if files else ""
        self.stdout.write(
            f"{len(added)} photo(s) added, {len(refused)} refused, in {elapsed:.1f} s{per_photo}; "
            "each goes on sale when the worker has made its thumbnail and preview."
        )
        if refused:
            raise CommandError("\n".join(["Refused:", *refused]))

    def _add(self, path: Path, options: dict, added: list) -> str:
        """Add one photo; return why it was refused, or "" if it was added."""
        try:
            with path.open("rb") as handle:
                product = product_photo_add_queued(
                    file=handle,
                    price=options["price"],
                    title=options["title"],
                    untitled=path.stem.replace("_", " ").replace("-", " ").strip()[:200] or "Untitled",
                    description=options["description"],
                    currency=options["currency"],
                    credit=options["credit"],
                    license=options["license"],
                    source_url=options["source"],
                )
        except PhotoInvalid as error:
            return error.message
        except ValidationError as error:
            return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items())
        except OSError as error:
            return f"cannot be read ({error.strerror or error})"
        added.append(product)
        return ""
