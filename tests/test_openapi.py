"""The OpenAPI schema declares what the endpoints really answer and accept (issue 11, item 7)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from orders import apis as order_apis
from orders.models import Order
from orders.serializers import CANONICAL_ID_RE, STRIPE_TOKEN_RE
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


# --- Status codes: every answer declared ------------------------------------------------------------


def test_every_throttled_operation_declares_429_with_retry_after(schema):
    for path, method in THROTTLED:
        declared = schema["paths"][path][method]["responses"]
        assert "429" in declared, (path, method)
        assert "Retry-After" in declared["429"]["headers"], (path, method)


def test_every_operation_taking_a_body_declares_the_middlewares_411_and_413(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "post":
                for status in ("411", "413"):
                    assert status in operation["responses"], (path, status)
                    assert response_schema(schema, path, method, status)["required"] == ["detail"]


def test_confirm_declares_the_400_of_a_refunded_order(schema):
    assert "400" in schema["paths"]["/api/order/{order_id}/confirm/"]["post"]["responses"]


def test_an_order_address_the_router_refuses_is_declared_in_the_detail_shape(schema):
    for path in ("/api/order/{order_id}/confirm/", "/api/order/{order_id}/download/"):
        declared = response_schema(schema, path, "post", 404)
        shapes = [resolve(schema, option)["required"] for option in declared["oneOf"]]
        assert ["detail"] in shapes and ["error"] in shapes


def test_the_download_file_declares_its_image_and_its_refusals(schema):
    responses = schema["paths"]["/api/download/{token}/"]["get"]["responses"]
    assert "image/*" in responses["200"]["content"]
    for status in ("404", "409", "410"):
        assert "detail" in response_schema(schema, "/api/download/{token}/", "get", status)["required"]


def test_the_webhook_declares_its_signature_header_and_its_failures(schema):
    signature = parameter(schema, "/api/stripe/webhook/", "post", "Stripe-Signature")
    assert signature["in"] == "header" and signature["required"] is True
    assert {"500", "503"} <= set(schema["paths"]["/api/stripe/webhook/"]["post"]["responses"])


# --- Constraints: what a request may hold -----------------------------------------------------------


def test_the_order_input_declares_the_token_and_product_rules(schema):
    declared = resolve(schema, {"$ref": "#/components/schemas/OrderCreateInputRequest"})["properties"]

    assert declared["token"]["pattern"] == STRIPE_TOKEN_RE.pattern
    assert {"type": "integer", "minimum": 1, "maximum": 10**18 - 1} in declared["product"]["oneOf"]
    assert {"type": "string", "pattern": CANONICAL_ID_RE.pattern} in declared["product"]["oneOf"]


@pytest.mark.parametrize("product", ["1.0", "１", "01", "+1", " 1", 1.0, True, 0, 10**18])
@pytest.mark.django_db
def test_non_canonical_product_ids_are_refused(auth_client, product):
    response = auth_client.post("/api/order/", {"token": "tok_visa", "product": product}, format="json")

    assert response.status_code == 400
    assert response.json()["error"].startswith("Product:")


def test_the_idempotency_key_rule_is_declared_as_the_view_checks_it(schema):
    declared = parameter(schema, "/api/order/", "post", "Idempotency-Key")["schema"]
    assert (declared["minLength"], declared["maxLength"]) == (1, 255)
    pattern = re.compile(declared["pattern"])
    for key in ["a", "8f1c2e0a-4b1d-4c8e-9f00-1234567890ab", "~!" * 100, "k" * 255, "", " ", "a b", "é", "k" * 256]:
        assert bool(pattern.match(key)) == bool(order_apis.IDEMPOTENCY_KEY_RE.match(key)), key


def test_list_parameters_declare_their_bounds(schema):
    for path, method in [("/api/product/", "get"), ("/api/order/", "get")]:
        assert parameter(schema, path, method, "limit")["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
        assert parameter(schema, path, method, "cursor")["schema"]["pattern"] == "^[A-Za-z0-9_-]+$"
