"""Factories for the data the tests build."""

from decimal import Decimal
from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User
from catalog.models import Product

DEFAULT_PASSWORD = "correct horse battery staple"


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
    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"Photo {n}")
    description = factory.Sequence(lambda n: f"A fine photo number {n}")
    price = Decimal("100.00")
    currency = "usd"
    url = factory.Sequence(lambda n: f"https://photos.example.com/{n}.jpg")
    on_sale = True
