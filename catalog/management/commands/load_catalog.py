from pathlib import Path

from django.core.management.base import BaseCommand

from catalog.services import STARTER_CATALOG, product_catalog_load


class Command(BaseCommand):
    help = (
        "Load the starter catalog (or another JSON file); safe to run again. The starter photos are "
        "fetched by `make starter-photos`; a photo not fetched, not the one named or too small to sell "
        "is left out with a line saying why."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=STARTER_CATALOG, help="JSON list of products")

    def handle(self, *args, file: Path, **options):
        loaded = product_catalog_load(path=file)
        self.stdout.write(f"Catalog loaded: {loaded.created} created, {loaded.updated} updated.")
        if loaded.missing:
            self.stderr.write(
                f"{len(loaded.missing)} photo(s) not found, left out (fetch the starter photos with "
                f"`make starter-photos`): " + ", ".join(loaded.missing)
            )
        for line in loaded.refused:
            self.stderr.write(f"Refused: {line}")
