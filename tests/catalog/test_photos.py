"""Adding a photo: the original kept byte for byte, derivatives made with Pillow, bad files refused."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image, ImageChops, ImageStat

from catalog.errors import PhotoInvalid
from catalog.models import Product
from catalog.photos import product_photo_add
from tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


def photo_with_gps(width: int, height: int, image_format: str = "JPEG") -> bytes:
    """A photo whose EXIF names a camera and a place."""
    exif = Image.Exif()
    exif[0x010F] = "PhotoCam"  # Make
    exif[0x0110] = "PC-1"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.0), "E", (2.0, 17.0, 40.0)
    image = Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    image.save(out, image_format, exif=exif)
    return out.getvalue()


def stored_files(photo_dirs) -> list[str]:
    return sorted(str(path) for root in photo_dirs.values() for path in root.rglob("*") if path.is_file())


def derivative_images(product) -> list[tuple[str, str, Image.Image, bytes]]:
    """Each derivative the product records, opened: (kind, content type, image, bytes)."""
    found = []
    for kind, content_type, width, height, name in product.derivatives:
        data = product.preview.storage.open(name).read()
        image = Image.open(io.BytesIO(data))
        assert image.size == (width, height), name
        found.append((kind, content_type, image, data))
    return found


@pytest.mark.parametrize(
    ("size", "thumbnails", "preview"),
    [
        ((4000, 3000), [(480, 360), (960, 720), (1440, 1080)], (1600, 1200)),
        ((2400, 1600), [(480, 320), (960, 640), (1200, 800)], (1200, 800)),
        ((1600, 3200), [(240, 480), (480, 960), (720, 1440)], (800, 1600)),
        ((1200, 800), [(480, 320), (600, 400)], (600, 400)),
    ],
    ids=["large", "landscape", "portrait", "smallest on sale"],
)
def test_derivatives_have_the_right_sizes_and_no_exif_and_the_original_is_untouched(size, thumbnails, preview):
    """Thumbnails for 1x, 2x, 3x screens and the preview, JPEG and WebP, each at most half the original's long edge."""
    content = photo_with_gps(*size)

    product = product_photo_add(file=ContentFile(content), title="Paris", price=Decimal("10"))

    assert product.original.read() == content
    assert product.original_sha256 == hashlib.sha256(content).hexdigest()
    assert product.original_bytes == len(content)
    assert (product.width, product.height) == size
    assert product.original_content_type == "image/jpeg"
    made = derivative_images(product)
    for content_type, image_format in (("image/jpeg", "JPEG"), ("image/webp", "WEBP")):
        assert [
            image.size for kind, type_, image, _ in made if kind == "thumbnail" and type_ == content_type
        ] == thumbnails
        assert [image.size for kind, type_, image, _ in made if kind == "preview" and type_ == content_type] == [
            preview
        ]
        assert {image.format for _, type_, image, _ in made if type_ == content_type} == {image_format}
    for _, _, image, data in made:
        assert max(image.size) <= max(size) / 2
        assert dict(image.getexif()) == {}
        assert b"Exif" not in data and b"PhotoCam" not in data
    assert Image.open(product.thumbnail).size == thumbnails[0]
    assert Image.open(product.preview).size == preview


def test_every_derivative_over_480_px_is_visibly_watermarked_and_the_1x_thumbnail_is_not():
    content = photo_bytes(3000, 2000, "PNG")
    plain = Image.open(io.BytesIO(content)).convert("RGB")

    product = product_photo_add(file=ContentFile(content), title="Gradient", price=Decimal("10"))

    def difference(image) -> float:
        image = image.convert("RGB")
        return sum(ImageStat.Stat(ImageChops.difference(image, plain.resize(image.size))).mean)

    made = derivative_images(product)
    unmarked = [difference(image) for _, _, image, _ in made if max(image.size) <= 480]
    marked = [difference(image) for _, _, image, _ in made if max(image.size) > 480]
    assert len(unmarked) == 2 and len(marked) == 6
    assert min(marked) > 3 * max(unmarked)


@pytest.mark.parametrize("size", [(451, 300), (1199, 900), (700, 1199)], ids=["Chelsea", "landscape", "portrait"])
def test_a_photo_under_the_minimum_size_is_refused_for_sale_and_adds_nothing(photo_dirs, size):
    with pytest.raises(PhotoInvalid, match=rf"too small to sell: {size[0]} × {size[1]} px.*at least 1200 px"):
        product_photo_add(file=ContentFile(photo_bytes(*size)), title="Small", price=Decimal("10"))

    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_the_minimum_size_is_a_setting(settings):
    settings.PHOTOS_MIN_LONG_EDGE = 2000

    with pytest.raises(PhotoInvalid, match="at least 2000 px"):
        product_photo_add(file=ContentFile(photo_bytes(1600, 1200)), title="Small", price=Decimal("10"))


def test_png_original_keeps_its_format_and_bytes():
    content = photo_bytes(1200, 800, "PNG")

    product = product_photo_add(file=ContentFile(content), title="Gradient", price=Decimal("10"))

    assert product.original.name.endswith(".png")
    assert product.original_content_type == "image/png"
    assert product.original.read() == content


def test_an_original_has_no_public_url():
    product = product_photo_add(file=ContentFile(photo_bytes(1200, 800)), title="Gradient", price=Decimal("10"))

    with pytest.raises(ValueError, match="no public URL"):
        product.original.url  # noqa: B018


BOMB = Image.new("1", (12000, 12000))


def _bomb() -> bytes:
    out = io.BytesIO()
    BOMB.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not a photo at all", "not an image"),
        (photo_bytes(400, 300)[:1500], "damaged or truncated"),
        (_bomb(), "too many pixels"),
        (photo_bytes(60, 40, "GIF"), "GIF files are not accepted"),
    ],
    ids=["empty", "not an image", "truncated", "decompression bomb", "gif"],
)
def test_a_bad_file_is_refused_and_adds_nothing(photo_dirs, content, message):
    with pytest.raises(PhotoInvalid, match=message):
        product_photo_add(file=ContentFile(content), title="Bad", price=Decimal("10"))

    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_a_file_too_large_is_refused_and_adds_nothing(settings, photo_dirs):
    settings.PHOTOS_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(PhotoInvalid, match="too large"):
        product_photo_add(file=ContentFile(photo_bytes(300, 200)), title="Big", price=Decimal("10"))

    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_add_photo_command_puts_a_photo_on_sale(tmp_path, capsys):
    path = tmp_path / "harbour.jpg"
    path.write_bytes(photo_with_gps(1600, 1200))

    call_command(
        "add_photo", str(path), "--title", "Harbour", "--price", "12.50", "--credit", "Ada", "--license", "CC0 1.0"
    )

    product = Product.objects.get()
    assert (product.title, product.price, product.credit, product.license) == (
        "Harbour",
        Decimal("12.50"),
        "Ada",
        "CC0 1.0",
    )
    assert product.original.read() == path.read_bytes()
    assert f"Added photo {product.pk}: Harbour, 1600 x 1200 px" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"not a photo", ["--price", "10"], "not an image"),
        (photo_bytes(1200, 800), ["--price", "0.10"], "price"),
        (photo_bytes(451, 300), ["--price", "10"], "too small to sell: 451 × 300 px"),
    ],
    ids=["not an image", "price too low", "too small"],
)
def test_add_photo_command_refuses_bad_input_and_adds_nothing(tmp_path, photo_dirs, content, args, message):
    path = tmp_path / "file.jpg"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        call_command("add_photo", str(path), "--title", "Bad", *args)

    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_admin_adds_a_photo_by_upload(admin_client):
    content = photo_with_gps(1600, 1200)
    upload = SimpleUploadedFile("lake.jpg", content, content_type="image/jpeg")

    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"title": "Lake", "description": "A lake", "price": "30", "currency": "usd", "on_sale": "on", "photo": upload},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get()
    assert product.original.read() == content
    assert (product.width, product.height) == (1600, 1200)
    assert admin_client.get(f"/admin/catalog/product/{product.pk}/change/").status_code == 200


def test_admin_upload_bigger_than_the_api_body_limit_gets_through(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    out = io.BytesIO()
    Image.effect_noise((1200, 800), 80).save(out, "PNG")
    content = out.getvalue()
    assert len(content) > 10_000
    upload = SimpleUploadedFile("big.png", content, content_type="image/png")

    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"title": "Big", "description": "B", "price": "30", "currency": "usd", "photo": upload},
    )

    assert response.status_code == 302
    assert Product.objects.get().original_bytes == len(content)


def _upload_over_the_body_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    upload = SimpleUploadedFile("big.jpg", photo_bytes(1200, 800, quality=100) + b"\0" * 20_000)
    return client.post(
        "/admin/catalog/product/add/",
        {"title": "Big", "description": "B", "price": "30", "currency": "usd", "photo": upload},
    )


def test_a_made_up_session_cookie_does_not_raise_the_body_limit(client, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything-named-like-the-session"

    response = _upload_over_the_body_limit(client, settings)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Request body too large (limit 10000 bytes).", "code": "request_too_large"}
    assert Product.objects.count() == 0


def test_a_shoppers_session_does_not_raise_the_body_limit(client, user, settings):
    client.force_login(user)

    response = _upload_over_the_body_limit(client, settings)

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large (limit 10000 bytes).", "code": "request_too_large"}
    assert Product.objects.count() == 0


def test_a_staff_members_upload_over_the_api_body_limit_gets_through(admin_client, settings):
    response = _upload_over_the_body_limit(admin_client, settings)

    assert response.status_code == 302
    assert Product.objects.get().title == "Big"


def test_admin_refuses_a_bad_upload_with_a_message(admin_client, photo_dirs):
    upload = SimpleUploadedFile("notes.jpg", b"just text", content_type="image/jpeg")

    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"title": "Bad", "description": "B", "price": "30", "currency": "usd", "photo": upload},
    )

    assert response.status_code == 200
    assert "The file is not an image" in response.content.decode()
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []


def test_admin_refuses_a_photo_too_small_to_sell_with_a_message(admin_client, photo_dirs):
    upload = SimpleUploadedFile("chelsea.jpg", photo_bytes(451, 300), content_type="image/jpeg")

    response = admin_client.post(
        "/admin/catalog/product/add/",
        {"title": "Chelsea", "description": "C", "price": "30", "currency": "usd", "photo": upload},
    )

    assert response.status_code == 200
    assert "The photo is too small to sell: 451 × 300 px" in response.content.decode()
    assert Product.objects.count() == 0
    assert stored_files(photo_dirs) == []
