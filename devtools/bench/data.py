"""The benchmark's data, written by the shop's own code in the database the servers use.

    python -m devtools.bench.data catalog --products 10
    python -m devtools.bench.data more-products --start 10 --end 1000
    python -m devtools.bench.data shoppers --count 16
    python -m devtools.bench.data checkout-shopper
    python -m devtools.bench.data newest-products --count 50

Each command prints its result as one line of JSON. Run with the environment the servers get
(devtools.production), so that it writes to their database.
"""

import argparse
import json
import os
from decimal import Decimal

# Names of the product fields that the extra photos share with the first one: one stored original.
SHARED_PHOTO_FIELDS = (
    "original",
    "original_bytes",
    "original_sha256",
    "original_content_type",
    "width",
    "height",
    "credit",
    "license",
)
PASSWORD = "correct horse battery staple"


def _bench_products(first, start: int, end: int) -> list:
    """Products `start` to `end - 1` sharing `first`'s original, each naming derivatives of its own.

    The derivatives are not written: lists only build their URLs, as they would for distinct photos.
    """
    from catalog.models import Product

    shared = {name: getattr(first, name) for name in SHARED_PHOTO_FIELDS}
    return Product.objects.bulk_create(
        Product(
            title=f"Photo {i}",
            description=f"A photo, number {i}",
            price=Decimal("20.00"),
            currency="usd",
            preview=f"previews/bench-{i}.jpg",
            thumbnail=f"thumbs/bench-{i}.jpg",
            **shared,
        )
        for i in range(start, end)
    )


def catalog_load(*, products: int) -> dict[int, str]:
    """Write `products` photos and three shoppers with 10, 1,000 and 10,000 PAID orders; return their tokens."""
    from django.core.files.base import ContentFile

    from accounts.models import User
    from accounts.services import user_token_issue
    from catalog.models import Product
    from catalog.photos import product_photo_set
    from devtools.sample_photos import photo_bytes
    from orders.models import Order

    # One real photo, made by the catalog's own code; the others share its original.
    first = Product.objects.create(
        title="Photo 0",
        description="A photo, number 0",
        price=Decimal("20.00"),
        currency="usd",
        credit="Bench",
        license="CC0 1.0",
    )
    first = product_photo_set(product=first, file=ContentFile(photo_bytes(1200, 800)))
    all_products = [first, *_bench_products(first, 1, products)]
    tokens = {}
    for count in (10, 1000, 10000):
        user = User.objects.create_user(email=f"bench{count}@example.com", password=None, first_name="B", last_name="E")
        Order.objects.bulk_create(
            (
                Order(
                    user=user,
                    product=all_products[i % len(all_products)],
                    price=Decimal("20.00"),
                    currency="usd",
                    status="PAID",
                )
                for i in range(count)
            ),
            batch_size=2000,
        )
        tokens[count] = user_token_issue(user=user)
    return tokens


def products_add(*, start: int, end: int) -> int:
    """Add products `start` to `end - 1` like the first one; return how many were added."""
    from catalog.models import Product
    from catalog.rendering import catalog_changed

    added = _bench_products(Product.objects.order_by("id").first(), start, end)
    catalog_changed()  # bulk_create sends no signals
    return len(added)


def shoppers_create(*, count: int) -> dict:
    """`count` shoppers who can log in with PASSWORD, their tokens and `count` products for them to buy."""
    from accounts.models import User
    from accounts.services import user_token_issue
    from catalog.models import Product

    users = [
        User.objects.create_user(email=f"stall{i}@example.com", password=PASSWORD, first_name="S", last_name="T")
        for i in range(count)
    ]
    products = list(Product.objects.order_by("id").values_list("id", flat=True)[:count])
    return {"tokens": [user_token_issue(user=user) for user in users], "products": products}


def checkout_shopper_create() -> str:
    """A shopper for the checkout timing; return their token."""
    from accounts.models import User
    from accounts.services import user_token_issue

    user = User.objects.create_user(email="checkout@example.com", password=None, first_name="C", last_name="O")
    return user_token_issue(user=user)


def newest_product_ids(*, count: int) -> list[int]:
    from catalog.models import Product

    return list(Product.objects.order_by("-id").values_list("id", flat=True)[:count])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("catalog").add_argument("--products", type=int, required=True)
    more = commands.add_parser("more-products")
    more.add_argument("--start", type=int, required=True)
    more.add_argument("--end", type=int, required=True)
    commands.add_parser("shoppers").add_argument("--count", type=int, required=True)
    commands.add_parser("checkout-shopper")
    commands.add_parser("newest-products").add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frameseller.settings")
    import django

    django.setup()
    result = {
        "catalog": lambda: catalog_load(products=args.products),
        "more-products": lambda: products_add(start=args.start, end=args.end),
        "shoppers": lambda: shoppers_create(count=args.count),
        "checkout-shopper": checkout_shopper_create,
        "newest-products": lambda: newest_product_ids(count=args.count),
    }[args.command]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
