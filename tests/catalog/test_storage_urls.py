"""A photo's public URL, computed fast from the storage's public side only (catalog.storage.local_url_prefix)."""

import pytest
from rest_framework.test import APIRequestFactory

from catalog.serializers import ProductSerializer, photo_urls
from catalog.storage import derivatives_storage, local_url_prefix, originals_storage

pytestmark = pytest.mark.django_db


def _derivatives(settings, **options):
    settings.STORAGES = {
        **settings.STORAGES,
        "photo_derivatives": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {**settings.STORAGES["photo_derivatives"]["OPTIONS"], **options},
        },
    }


def test_a_local_folder_served_under_a_path_gives_its_prefix():
    assert local_url_prefix(derivatives_storage()) == "/media/"


def test_the_prefix_follows_a_change_of_settings(settings):
    _derivatives(settings, base_url="/photos")

    assert local_url_prefix(derivatives_storage()) == "/photos/"


def test_the_originals_and_a_folder_with_an_absolute_base_url_give_none(settings):
    assert local_url_prefix(originals_storage()) is None
    _derivatives(settings, base_url="https://cdn.example.com/p/")

    assert local_url_prefix(derivatives_storage()) is None


@pytest.mark.parametrize("base_url", ["/media/", "/photos", "https://cdn.example.com/p/"])
def test_photo_urls_answer_what_the_serializer_answers(settings, product, base_url):
    _derivatives(settings, base_url=base_url)
    request = APIRequestFactory().get("/api/product/")

    url = photo_urls(request)

    answered = ProductSerializer(product, context={"request": request}).data
    assert url(product.preview.name) == answered["url"]
    assert url(product.thumbnail.name) == answered["thumbnail_url"]
    assert answered["url"].startswith(("http://testserver/", "https://cdn.example.com/p/"))
