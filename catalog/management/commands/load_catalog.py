from pathlib import Path

from django.core.management.base import BaseCommand

from catalog.services import STARTER_CATALOG, product_catalog_load


class Command(BaseCommand):
    help = "Load the starter catalog (or another JSON file); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=STARTER_CATALOG, help="JSON list of products")

    def handle(self, *args, file: Path, **options):
        created, updated = product_catalog_load(path=file)
        self.stdout.write(f"Catalog loaded: {created} created, {updated} updated.")
