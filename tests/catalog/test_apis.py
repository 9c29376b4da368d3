"""GET /api/product/, GET /api/product/{id}/ and the starter catalog."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_catalog_has_the_seed_shape_and_types(api_client):
    photo = ProductFactory(price=Decimal("100.00"), description="Brooklyn Bridge")
    ProductFactory(price=Decimal("12.50"))

    response = api_client.get("/api/product/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    first, second = data
    assert {"id", "price", "description", "url"} <= set(first)
    assert first["price"] == 100 and type(first["price"]) is int
    assert first["description"] == "Brooklyn Bridge"
    assert first["url"] == f"http://testserver/media/{photo.preview.name}"
    assert second["price"] == 12.5
    # Exact in the JSON text itself, no binary-float noise.
    assert b'"price":100,' in response.content and b'"price":12.5,' in response.content


def test_only_products_on_sale_are_listed(api_client):
    on_sale = ProductFactory()
    ProductFactory(on_sale=False)

    data = api_client.get("/api/product/").json()

    assert [p["id"] for p in data] == [on_sale.pk]


def test_catalog_is_public_and_accepts_a_token(api_client, auth_client, product):
    assert api_client.get("/api/product/").status_code == 200
    assert auth_client.get("/api/product/").status_code == 200
    assert api_client.get("/api/product/", HTTP_AUTHORIZATION="JWT expired.or.bad").status_code == 200


def test_catalog_query_count_does_not_grow(api_client, django_assert_num_queries):
    ProductFactory.create_batch(30)

    with django_assert_num_queries(1):
        api_client.get("/api/product/")


def test_catalog_lists_photo_fields_with_absolute_derivative_urls(api_client):
    product = ProductFactory(title="Espresso", credit="Rachel Michetti", license="CC0 1.0")

    [item] = api_client.get("/api/product/").json()

    assert item["title"] == "Espresso"
    assert item["currency"] == "usd"
    assert (item["width"], item["height"]) == (90, 60)
    assert (item["credit"], item["license"]) == ("Rachel Michetti", "CC0 1.0")
    assert item["thumbnail_url"] == f"http://testserver/media/{product.thumbnail.name}"
    assert item["preview_url"] == item["url"] == f"http://testserver/media/{product.preview.name}"
    assert product.original_sha256 not in json.dumps(item)
    assert product.original.name not in json.dumps(item)


def test_product_detail_answers_one_photo_on_sale(api_client):
    product = ProductFactory(title="Espresso")
    hidden = ProductFactory(on_sale=False)

    response = api_client.get(f"/api/product/{product.pk}/")
    missing = api_client.get(f"/api/product/{hidden.pk}/")
    unknown = api_client.get("/api/product/999999/")

    assert response.status_code == 200
    assert response.json() == api_client.get("/api/product/").json()[0]
    assert missing.status_code == unknown.status_code == 404
    assert missing.json() == {"detail": "This photo is not on sale.", "code": "not_found"}


def test_derivatives_are_served_publicly_and_cached(api_client):
    product = ProductFactory()
    item = api_client.get("/api/product/").json()[0]

    thumbnail = api_client.get(item["thumbnail_url"].removeprefix("http://testserver"))

    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert "immutable" in thumbnail["Cache-Control"]
    assert b"".join(thumbnail.streaming_content) == product.thumbnail.read()
    assert api_client.head(item["preview_url"].removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize(
    "path", ["/media/originals/x.jpg", "/media/thumbs/../../originals/a.jpg", "/media/thumbs/nope.jpg"]
)
def test_media_serves_nothing_but_derivatives(api_client, path):
    ProductFactory()

    response = api_client.get(path)

    assert response.status_code == 404


def test_media_never_serves_an_original(api_client):
    product = ProductFactory()

    for prefix in ("/media/", "/media/thumbs/", "/media/previews/"):
        assert api_client.get(prefix + product.original.name).status_code == 404


STARTER_IDS = list(range(11, 18))


def test_load_catalog_is_idempotent_with_stable_ids(capsys, photo_dirs):
    call_command("load_catalog")
    first = list(Product.objects.order_by("id").values_list("id", "title", "price", "original_sha256"))
    files = sorted(path.name for path in photo_dirs["originals"].rglob("*") if path.is_file())
    call_command("load_catalog")
    second = list(Product.objects.order_by("id").values_list("id", "title", "price", "original_sha256"))

    assert first == second
    assert [row[0] for row in first] == STARTER_IDS
    assert first[0][:3] == (11, "Astronaut Eileen Collins", Decimal("120"))
    assert sorted(path.name for path in photo_dirs["originals"].rglob("*") if path.is_file()) == files
    assert len(files) == len(STARTER_IDS)
    out = capsys.readouterr().out
    assert "7 created, 0 updated" in out and "0 created, 0 updated" in out


def test_starter_photos_are_real_free_photos_with_credit(api_client):
    call_command("load_catalog")

    items = api_client.get("/api/product/").json()

    assert len(items) >= 6
    for item in items:
        assert item["credit"] and ("CC0" in item["license"] or "Public domain" in item["license"])
        assert item["width"] >= 400 and item["height"] >= 300
        assert item["thumbnail_url"].startswith("http://testserver/media/thumbs/")
        assert item["preview_url"].startswith("http://testserver/media/previews/")


def test_load_catalog_takes_the_2017_hotlinked_items_off_sale():
    Product.objects.create(pk=1, title="Brooklyn Bridge", description="Brooklyn Bridge", price=Decimal("100"))

    call_command("load_catalog")

    assert Product.objects.get(pk=1).on_sale is False
    assert Product.objects.filter(on_sale=True).count() == len(STARTER_IDS)


def test_load_catalog_restores_edited_product(photo_dirs):
    call_command("load_catalog")
    Product.objects.filter(pk=11).update(price=Decimal("1.00"))
    for path in (photo_dirs["public"] / "thumbs").iterdir():
        path.unlink()

    call_command("load_catalog")

    product = Product.objects.get(pk=11)
    assert product.price == Decimal("120.00")
    assert product.thumbnail.storage.exists(product.thumbnail.name)


def test_only_two_decimal_currencies_are_accepted():
    """Amounts are charged in hundredths: a currency without cents (JPY) would be charged 100x."""
    from django.core.exceptions import ValidationError

    product = ProductFactory.build(currency="jpy")

    with pytest.raises(ValidationError) as error:
        product.full_clean()

    assert "currency" in error.value.message_dict
