"""Factories for the data the tests build."""

from decimal import Decimal
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile

from accounts.models import User
from catalog.models import Product
from catalog.photos import product_photo_set
from devtools.sample_photos import photo_bytes

DEFAULT_PASSWORD = "correct horse battery staple"
# The smallest photo the shop sells has a long edge of 1200 px (PHOTOS_MIN_LONG_EDGE).
SALEABLE_SIZE = (1200, 800)


@cache
def _default_password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once.
    return make_password(DEFAULT_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.LazyFunction(_default_password_hash)


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with a real photo (a gradient of the smallest size on sale), made by the catalog's code."""

    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"Photo {n}")
    description = factory.Sequence(lambda n: f"A fine photo number {n}")
    price = Decimal("100.00")
    currency = "usd"
    credit = "A. Photographer"
    license = "CC0 1.0"
    on_sale = True

    @classmethod
    def _create(cls, model_class, *args, photo: bytes | None = None, **kwargs):
        product = model_class(*args, **kwargs)
        return product_photo_set(product=product, file=ContentFile(photo or photo_bytes(*SALEABLE_SIZE)))
