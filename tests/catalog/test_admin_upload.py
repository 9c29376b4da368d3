"""The admin's multi-upload: one photo a request to a staff-only endpoint, answered as JSON.

The endpoint goes through `add_photo`'s service (catalog.photos.product_photo_add_queued): a photo
is off sale until the worker has made its derivatives (here the task runs when the request's
transaction commits: tests/conftest.py).
"""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Product
from devtools.sample_photos import photo_bytes
from tests.catalog.test_add_photos import XMP
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/catalog/product/upload/"
ENDPOINT = "/admin/catalog/product/upload/photo/"


def photo(index: int, image_format: str = "JPEG", **options) -> bytes:
    """A photo of its own pixels (each `index` its own size): 1200 x 800 and up, at the minimum size for sale."""
    return photo_bytes(1200 + index, 800, image_format, **options)


def upload(client, name: str, content: bytes, **fields):
    data = {"price": "25", "currency": "eur", **fields, "photo": SimpleUploadedFile(name, content)}
    return client.post(ENDPOINT, data, HTTP_ACCEPT="application/json")


def stored_files(photo_dirs) -> list[str]:
    return sorted(str(path) for root in photo_dirs.values() for path in root.rglob("*") if path.is_file())


@pytest.fixture
def staff_client(client):
    """A staff member who may add products and nothing else."""
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_product", content_type__app_label="catalog"))
    client.force_login(staff)
    return client


def test_several_photos_become_products_off_sale_until_the_worker_makes_their_derivatives(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as derivatives:
        answers = [upload(staff_client, f"harbour_at-dawn {index}.jpg", photo(index)) for index in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    products = list(Product.objects.order_by("pk"))
    assert [answer.json() for answer in answers] == [
        {
            "file": f"harbour_at-dawn {index}.jpg",
            "product": {
                "id": product.pk,
                "title": f"harbour at dawn {index}",
                "on_sale": False,
                "url": f"/admin/catalog/product/{product.pk}/change/",
                "width": 1200 + index,
                "height": 800,
            },
        }
        for index, product in enumerate(products)
    ]
    assert all(p.price == Decimal("25.00") and p.currency == "eur" for p in products)
    assert not any(p.on_sale or p.thumbnail or p.preview for p in products)
    assert all(p.original for p in products)

    for make in derivatives:  # the worker's turn
        make()

    assert all(p.on_sale and p.has_photo for p in Product.objects.all())


def test_the_title_credit_and_licence_come_from_the_photos_metadata(staff_client):
    with_xmp = photo(4, xmp=XMP.encode())

    answer = upload(staff_client, "DSC_0042.jpg", with_xmp)

    assert answer.status_code == 201
    product = Product.objects.get()
    assert answer.json()["product"]["title"] == product.title == "Harbour at dawn"
    assert (product.description, product.credit, product.license) == ("Boats in the fog", "Ada Lovelace", "CC BY 4.0")


def test_a_duplicate_is_refused_naming_the_existing_product(staff_client, photo_dirs):
    existing = ProductFactory(title="Harbour", photo=photo(7, "PNG"))
    before = stored_files(photo_dirs)

    # The same pixels in another (lossless) format.
    answer = upload(staff_client, "again.tif", photo(7, "TIFF"))

    assert answer.status_code == 400
    assert answer.json() == {
        "detail": f"The same photo is already in the catalog: product {existing.pk}, Harbour.",
        "code": "photo_invalid",
        "file": "again.tif",
        "product": existing.pk,
        "product_url": f"/admin/catalog/product/{existing.pk}/change/",
    }
    assert list(Product.objects.all()) == [existing]
    assert stored_files(photo_dirs) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", b"just some text", "The file is not an image: send a JPEG, PNG, WebP or TIFF photo."),
        ("empty.jpg", b"", "The file is empty."),
        ("anim.gif", photo(3, "GIF"), "GIF files are not accepted: send a JPEG, PNG, WebP or TIFF photo."),
    ],
    ids=["text", "empty", "gif"],
)
def test_a_file_that_is_not_a_usable_photo_is_refused_with_the_services_reason(
    staff_client, photo_dirs, name, content, message
):
    answer = upload(staff_client, name, content)

    assert answer.status_code == 400
    assert answer.json() == {"detail": message, "code": "photo_invalid", "file": name}
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": "0.10"}, "price: Ensure this value is greater than or equal to 0.50."),
        ({"price": ""}, "price: This field is required."),
        ({"currency": "xyz"}, "currency: Select a valid choice. xyz is not one of the available choices."),
    ],
    ids=["price too low", "no price", "unknown currency"],
)
def test_a_bad_price_or_currency_is_refused_and_nothing_is_added(staff_client, photo_dirs, fields, message):
    answer = upload(staff_client, "fine.jpg", photo(1), **fields)

    assert answer.status_code == 400
    assert answer.json() == {"detail": message, "code": "bad_request", "file": "fine.jpg"}
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_a_request_without_a_photo_is_refused(staff_client):
    answer = staff_client.post(ENDPOINT, {"price": "25", "currency": "usd"})

    assert answer.status_code == 400
    assert answer.json() == {"detail": "photo: Choose a photo file.", "code": "bad_request", "file": ""}


def test_the_endpoint_takes_only_posts(staff_client):
    assert staff_client.get(ENDPOINT).status_code == 405


def test_an_anonymous_visitor_is_refused(client, photo_dirs):
    answer = upload(client, "a.jpg", photo(1))

    assert answer.status_code == 403
    assert answer.json() == {"detail": "Log in as a staff member who may add products.", "code": "permission_denied"}
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []
    assert client.get(PAGE).url == f"/admin/login/?next={PAGE}"


def test_a_shopper_is_refused(client, user, photo_dirs):
    client.force_login(user)

    answer = upload(client, "a.jpg", photo(1))

    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []
    assert client.get(PAGE).url == f"/admin/login/?next={PAGE}"


def test_a_staff_member_who_may_not_add_products_is_refused(client, photo_dirs):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_product", content_type__app_label="catalog"))
    client.force_login(staff)

    answer = upload(client, "a.jpg", photo(1))

    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert Product.objects.count() == 0
    assert client.get(PAGE).status_code == 403
    assert "Add photos" not in client.get("/admin/catalog/product/").content.decode()


def test_the_csrf_token_is_required(client):
    client.handler.enforce_csrf_checks = True
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    answer = upload(client, "a.jpg", photo(1))

    assert answer.status_code == 403
    assert Product.objects.count() == 0


def test_the_page_is_linked_from_the_product_list_and_offers_a_labelled_file_input(admin_client):
    product_list = admin_client.get("/admin/catalog/product/").content.decode()
    assert f'<a href="{PAGE}">Add photos</a>' in product_list

    page = admin_client.get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_photos">Drop photos here, or choose them</label>' in html
    assert '<input type="file" id="id_photos" name="photo" multiple' in html
    assert f'action="{ENDPOINT}"' in html
    assert 'src="/static/catalog/upload.js"' in html and "<style" not in html and " style=" not in html
    assert "onclick" not in html and "<script>" not in html


def _big_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1200, 800), 80).save(out, "PNG")
    return out.getvalue()


def test_a_staff_members_photo_over_the_api_body_limit_gets_through(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    content = _big_photo()
    assert len(content) > 10_000

    answer = upload(staff_client, "noise.png", content)

    assert answer.status_code == 201
    assert Product.objects.get().original_bytes == len(content)


@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_a_non_staff_body_over_the_api_limit_is_refused_before_it_is_read(client, user, settings, who):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    if who == "shopper":
        client.force_login(user)

    answer = upload(client, "noise.png", _big_photo())

    assert answer.status_code == 413
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Request body too large (limit 10000 bytes).", "code": "request_too_large"}
    assert Product.objects.count() == 0


def test_a_staff_members_body_over_the_photo_limit_is_refused(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    settings.PHOTOS_MAX_UPLOAD_BYTES = 5_000

    answer = upload(staff_client, "big.jpg", photo_bytes(600, 400, quality=100))

    assert answer.status_code == 413
    assert answer.json() == {"detail": "Request body too large (limit 6000 bytes).", "code": "request_too_large"}
    assert Product.objects.count() == 0
