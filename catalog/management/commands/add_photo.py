from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.errors import PhotoInvalid
from catalog.models import Currency
from catalog.photos import product_photo_add


def _price(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"--price must be an amount such as 120 or 12.50, not {value!r}.") from None


class Command(BaseCommand):
    help = "Put a photo on sale: keep FILE as its private original and make its thumbnail and preview."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the original photo (JPEG, PNG, WebP or TIFF)")
        parser.add_argument("--title", required=True)
        parser.add_argument("--price", required=True, type=_price, help="in major units: 120 or 12.50")
        parser.add_argument("--description", default="", help="default: the title")
        parser.add_argument("--currency", default=Currency.USD, choices=Currency.values)
        parser.add_argument("--credit", default="", help="who made the photo")
        parser.add_argument("--license", default="", help="what a buyer may do with it, e.g. 'CC0 1.0'")
        parser.add_argument("--source", default="", help="where it came from (a URL)")

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with file.open("rb") as handle:
                product = product_photo_add(
                    file=handle,
                    title=options["title"],
                    price=options["price"],
                    description=options["description"],
                    currency=options["currency"],
                    credit=options["credit"],
                    license=options["license"],
                    source_url=options["source"],
                )
        except PhotoInvalid as error:
            raise CommandError(f"{file}: {error.message} Nothing was added.") from None
        except ValidationError as error:
            messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items())
            raise CommandError(f"{messages}. Nothing was added.") from None
        self.stdout.write(
            f"Added photo {product.pk}: {product.title}, {product.width} x {product.height} px, "
            f"{product.original_bytes} bytes, sha256 {product.original_sha256}."
        )
