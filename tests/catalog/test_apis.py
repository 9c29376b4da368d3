"""GET /api/product/ and the starter catalog."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_catalog_has_the_seed_shape_and_types(api_client):
    ProductFactory(price=Decimal("100.00"), description="Brooklyn Bridge", url="https://example.com/b.jpg")
    ProductFactory(price=Decimal("12.50"))

    response = api_client.get("/api/product/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    first, second = data
    assert {"id", "price", "description", "url"} <= set(first)
    assert first["price"] == 100 and type(first["price"]) is int
    assert first["description"] == "Brooklyn Bridge"
    assert first["url"] == "https://example.com/b.jpg"
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


def test_load_catalog_is_idempotent_with_stable_ids(capsys):
    call_command("load_catalog")
    first = list(Product.objects.order_by("id").values_list("id", "title", "price"))
    call_command("load_catalog")
    second = list(Product.objects.order_by("id").values_list("id", "title", "price"))

    assert first == second
    assert len(first) >= 10
    assert first[0][:2] == (1, "Brooklyn Bridge") and first[0][2] == Decimal("100")
    assert first[1][:2] == (2, "Singapore Grand Prix")
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_load_catalog_restores_edited_product():
    call_command("load_catalog")
    Product.objects.filter(pk=1).update(price=Decimal("1.00"))

    call_command("load_catalog")

    assert Product.objects.get(pk=1).price == Decimal("100.00")


def test_only_two_decimal_currencies_are_accepted():
    """Amounts are charged in hundredths: a currency without cents (JPY) would be charged 100x."""
    from django.core.exceptions import ValidationError

    product = ProductFactory.build(currency="jpy")

    with pytest.raises(ValidationError) as error:
        product.full_clean()

    assert "currency" in error.value.message_dict
