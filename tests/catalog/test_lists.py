"""GET /api/product/ fast: a cached rendering with an ETag (304 without a query), pages, gzip."""

import gzip
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from catalog.models import Product
from catalog.selectors import product_list
from catalog.serializers import ProductSerializer
from tests.factories import ProductFactory

PRODUCTS = "/api/product/"

pytestmark = pytest.mark.django_db


def test_the_cached_catalog_is_the_serializers_json_byte_for_byte(api_client):
    ProductFactory(price=Decimal("12.50"), description="Line\u2028separator and ünïcode")
    ProductFactory(price=Decimal("100.00"))

    response = api_client.get(PRODUCTS)

    context = {"request": response.wsgi_request}
    assert response.content == JSONRenderer().render(ProductSerializer(product_list(), many=True, context=context).data)


def test_an_unchanged_catalog_answers_304_without_a_query(api_client, django_assert_num_queries):
    ProductFactory.create_batch(3)
    first = api_client.get(PRODUCTS)
    assert first.headers["Cache-Control"] == "public, max-age=60"

    with django_assert_num_queries(0):
        again = api_client.get(PRODUCTS, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_changed_product_changes_the_catalog_at_once(api_client):
    product = ProductFactory(title="Before")
    first = api_client.get(PRODUCTS)

    product.title = "After"
    product.save()
    again = api_client.get(PRODUCTS, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert again.status_code == 200
    assert again.json()[0]["title"] == "After"
    assert again.headers["ETag"] != first.headers["ETag"]
    Product.objects.all().delete()
    assert api_client.get(PRODUCTS).json() == []


def test_the_catalog_is_gzipped_for_a_client_that_accepts_it(api_client):
    ProductFactory.create_batch(20)
    plain = api_client.get(PRODUCTS)

    response = api_client.get(PRODUCTS, HTTP_ACCEPT_ENCODING="gzip")

    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.content) == plain.content


def test_a_stale_or_tampered_token_is_ignored_without_a_query(api_client, django_assert_num_queries):
    ProductFactory()
    api_client.get(PRODUCTS)  # rendered and cached
    api_client.credentials(HTTP_AUTHORIZATION="JWT not.a.token")

    with django_assert_num_queries(0):
        response = api_client.get(PRODUCTS)

    assert response.status_code == 200
    assert len(response.json()) == 1


def test_catalog_pages_follow_the_link_header(api_client, django_assert_num_queries):
    ProductFactory.create_batch(5)
    whole = api_client.get(PRODUCTS).json()

    pages, url = [], f"{PRODUCTS}?limit=2"
    while url:
        with django_assert_num_queries(1):
            response = api_client.get(url)
        pages.append(response.json())
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].removeprefix("http://testserver") if link else None

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [product for page in pages for product in page] == whole


@pytest.mark.parametrize("query", ["limit=0", "limit=500", "limit=01", "limit=2&cursor=WyJ4Il0", "cursor=Wzld"])
def test_a_bad_catalog_limit_or_cursor_is_400(api_client, query):
    response = api_client.get(f"{PRODUCTS}?{query}")

    assert response.status_code == 400
    assert response.json()["detail"]
