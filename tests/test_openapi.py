"""The OpenAPI schema declares what the endpoints really answer and accept (issue 11, item 7)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from orders.models import Order
from tests.factories import ProductFactory

THROTTLED = {
    ("/api/signup/", "post"),
    ("/api/api-token-auth/", "post"),
    ("/api/api-token-refresh/", "post"),
    ("/api/order/", "post"),
    ("/api/order/{order_id}/confirm/", "post"),
    ("/api/order/{order_id}/download/", "post"),
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def response_schema(schema, path, method, status):
    content = schema["paths"][path][method]["responses"][str(status)]["content"]
    return resolve(schema, content["application/json"]["schema"])


def parameter(schema, path, method, name):
    [found] = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found


# --- Ids in paths: one spelling -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_product_id_with_a_leading_zero_is_not_an_address(api_client):
    product = ProductFactory()

    assert api_client.get(f"/api/product/{product.pk}/").status_code == 200
    assert api_client.get(f"/api/product/0{product.pk}/").status_code == 404
    assert api_client.get("/api/product/0/").status_code == 404


@pytest.mark.django_db
def test_an_order_id_with_a_leading_zero_is_not_an_address(auth_client, user):
    product = ProductFactory()
    order = Order.objects.create(
        user=user,
        product=product,
        price=product.price,
        currency="usd",
        status=Order.Status.PAID,
        stripe_charge_id="ch_1",
    )

    assert auth_client.post(f"/api/order/0{order.pk}/download/").status_code == 404
    assert auth_client.post(f"/api/order/{order.pk}/download/").status_code == 200


def test_path_ids_are_declared_as_the_router_reads_them(schema):
    for path, name in [
        ("/api/product/{product_id}/", "product_id"),
        ("/api/order/{order_id}/confirm/", "order_id"),
        ("/api/order/{order_id}/download/", "order_id"),
    ]:
        method = "get" if path.startswith("/api/product/") else "post"
        declared = parameter(schema, path, method, name)["schema"]
        assert declared == {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}


# --- Values: what an answer may hold ----------------------------------------------------------------


def test_photo_urls_are_declared_blank_for_a_product_without_a_photo(schema):
    product = resolve(schema, {"$ref": "#/components/schemas/Product"})
    order_product = resolve(schema, {"$ref": "#/components/schemas/OrderProduct"})
    for declared in (
        product["properties"]["url"],
        product["properties"]["thumbnail_url"],
        product["properties"]["preview_url"],
        order_product["properties"]["url"],
        order_product["properties"]["thumbnail_url"],
    ):
        assert {"type": "string", "maxLength": 0} in declared["oneOf"]
        assert {"type": "string", "format": "uri"} in declared["oneOf"]


@pytest.mark.django_db
def test_a_product_without_a_photo_answers_blank_urls(api_client):
    from catalog.models import Product

    legacy = Product.objects.create(title="Legacy", description="Sold in 2017", price="5.00")

    item = api_client.get(f"/api/product/{legacy.pk}/").json()

    assert (item["url"], item["thumbnail_url"], item["preview_url"]) == ("", "", "")
