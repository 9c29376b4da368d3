"""GET /api/product/?q=…&ordering=…: search titles, descriptions and credits, sort by price or newest, in pages too."""

import base64
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from catalog.models import Product
from catalog.serializers import ProductSerializer
from tests.factories import ProductFactory

PRODUCTS = "/api/product/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    rows = [
        ("Brooklyn Bridge", "The Brooklyn Bridge at dusk", "100"),
        ("Golden Gate", "A red bridge in San Francisco fog", "120"),
        ("Mount Fuji", "Snow on the volcano", "35.50"),
        ("Harbour", "Boats in the harbour at dawn", "35.50"),
        ("Colosseum", "Rome, the arena of the emperors", "89.99"),
    ]
    return [ProductFactory(title=t, description=d, price=Decimal(p)) for t, d, p in rows]


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()]


def follow(api_client, url: str) -> list[list[dict]]:
    pages = []
    while url:
        response = api_client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].removeprefix("http://testserver") if link else None
    return pages


def test_search_matches_title_or_description_in_any_case(api_client, catalog):
    assert titles(api_client.get(PRODUCTS, {"q": "BRIDGE"})) == ["Brooklyn Bridge", "Golden Gate"]
    assert titles(api_client.get(PRODUCTS, {"q": "harbour"})) == ["Harbour"]
    assert titles(api_client.get(PRODUCTS, {"q": "  dusk  "})) == ["Brooklyn Bridge"]


def test_search_matches_the_credit_too_in_one_query(api_client, catalog, django_assert_num_queries):
    ProductFactory(title="Earthrise", description="The Earth seen from the Moon", credit="NASA", price=Decimal("10"))
    with django_assert_num_queries(1):
        assert titles(api_client.get(PRODUCTS, {"q": "nasa"})) == ["Earthrise"]
    assert titles(api_client.get(PRODUCTS, {"q": "nasa moon"})) == ["Earthrise"]
    assert titles(api_client.get(PRODUCTS, {"q": "nasa bridge"})) == []


def test_search_needs_every_word(api_client, catalog):
    assert titles(api_client.get(PRODUCTS, {"q": "bridge fog"})) == ["Golden Gate"]
    assert titles(api_client.get(PRODUCTS, {"q": "bridge emperors"})) == []


def test_search_lists_only_photos_on_sale(api_client, catalog):
    Product.objects.filter(title="Golden Gate").update(on_sale=False)

    assert titles(api_client.get(PRODUCTS, {"q": "bridge"})) == ["Brooklyn Bridge"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["Mount Fuji", "Harbour", "Colosseum", "Brooklyn Bridge", "Golden Gate"]),
        ("-price", ["Golden Gate", "Brooklyn Bridge", "Colosseum", "Mount Fuji", "Harbour"]),
        ("newest", ["Colosseum", "Harbour", "Mount Fuji", "Golden Gate", "Brooklyn Bridge"]),
    ],
)
def test_ordering_sorts_by_price_or_newest_ties_in_catalog_order(api_client, catalog, ordering, expected):
    assert titles(api_client.get(PRODUCTS, {"ordering": ordering})) == expected


def test_search_and_ordering_together(api_client, catalog):
    assert titles(api_client.get(PRODUCTS, {"q": "the", "ordering": "-price"})) == [
        "Brooklyn Bridge",
        "Colosseum",
        "Mount Fuji",
        "Harbour",
    ]


def test_a_search_answers_the_serializers_json_byte_for_byte(api_client, catalog):
    response = api_client.get(PRODUCTS, {"q": "bridge", "ordering": "price"})

    products = Product.objects.filter(title__in=["Brooklyn Bridge", "Golden Gate"]).order_by("price")
    context = {"request": response.wsgi_request}
    assert response.content == JSONRenderer().render(ProductSerializer(products, many=True, context=context).data)
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_blank_search_and_ordering_answer_the_whole_cached_catalog(api_client, catalog):
    whole = api_client.get(PRODUCTS)

    blank = api_client.get(PRODUCTS, {"q": " ", "ordering": ""})

    assert blank.content == whole.content
    assert blank.headers["ETag"] == whole.headers["ETag"]


@pytest.mark.parametrize("ordering", ["price", "-price", "newest"])
def test_pages_keep_the_search_and_ordering(api_client, catalog, ordering):
    ProductFactory.create_batch(4, title="Another bridge", price=Decimal("35.50"))
    whole = api_client.get(PRODUCTS, {"q": "bridge", "ordering": ordering}).json()

    pages = follow(api_client, f"{PRODUCTS}?q=bridge&ordering={ordering}&limit=2")

    assert [len(page) for page in pages] == [2, 2, 2]
    assert [item for page in pages for item in page] == whole


def test_a_page_stays_stable_while_photos_are_added(api_client, catalog):
    first = api_client.get(PRODUCTS, {"ordering": "price", "limit": 2})
    ProductFactory(title="Cheapest", price=Decimal("1"))
    link = first.headers["Link"]

    second = api_client.get(link[1 : link.index(">")].removeprefix("http://testserver"))

    assert titles(second) == ["Colosseum", "Brooklyn Bridge"]


def _cursor(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "query",
    [
        {"ordering": "title"},
        {"ordering": "-newest"},
        {"ordering": "price,id"},
        {"q": "x" * 201},
        {"ordering": "price", "limit": "2", "cursor": _cursor([3])},  # a cursor of catalog order
        {"ordering": "newest", "limit": "2", "cursor": _cursor(["35.50", 3])},
        {"ordering": "price", "limit": "2", "cursor": _cursor(["NaN", 3])},
        {"ordering": "price", "limit": "2", "cursor": _cursor(["1e99999", 3])},
        {"ordering": "price", "limit": "2", "cursor": _cursor(["1.005", 3])},
        {"ordering": "price", "limit": "2", "cursor": _cursor([35.5, 3])},
    ],
)
def test_a_bad_ordering_search_or_cursor_is_400(api_client, catalog, query):
    response = api_client.get(PRODUCTS, query)

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_bad_ordering_names_the_choices(api_client):
    response = api_client.get(PRODUCTS, {"ordering": "title"})

    assert response.json()["detail"] == 'Ordering: "title" is not a valid choice.'


def test_the_schema_documents_search_and_ordering(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    parameters = {p["name"]: p for p in schema["paths"]["/api/product/"]["get"]["parameters"]}
    assert sorted(parameters["ordering"]["schema"]["enum"]) == ["-price", "newest", "price"]
    assert "title, description or credit" in parameters["q"]["description"]
    assert {"limit", "cursor"} <= set(parameters)
