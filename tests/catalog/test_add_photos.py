"""`manage.py add_photo` by the hundred: folders, one line per refusal, duplicates by pixels, IPTC/XMP metadata.

The derivatives are a task: here it runs at once (tests/conftest.py); a real worker makes them in
tests/tasks/test_photos_worker.py.
"""

import io
import struct
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from catalog.models import Product

pytestmark = pytest.mark.django_db(transaction=True)  # the derivatives' task is enqueued after the commit

XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at dawn</rdf:li></rdf:Alt></dc:title>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Boats in the fog</rdf:li></rdf:Alt></dc:description>
<dc:creator><rdf:Seq><rdf:li>Ada Lovelace</rdf:li></rdf:Seq></dc:creator>
<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">CC BY 4.0</rdf:li></rdf:Alt></xmpRights:UsageTerms>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def photo(index: int, image_format: str = "JPEG", size=(1200, 800), **options) -> bytes:
    """A photo whose pixels are its own (a gradient tinted by `index`)."""
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, Image.new("L", size, index % 256), Image.new("L", size, (index * 7) % 256)))
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def with_iptc(jpeg: bytes, records: dict[int, str]) -> bytes:
    """Insert an IPTC block (Photoshop APP13, 8BIM resource 0x0404) after the JPEG's SOI, as cameras and editors do."""
    iptc = b"".join(
        b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(v.encode())) + v.encode()
        for dataset, v in records.items()
    )
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    resource += b"\x00" * (len(iptc) % 2)
    payload = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def add_photos(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("add_photo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_folder_of_photos_is_added_with_a_progress_bar_and_a_summary(tmp_path, photo_dirs):
    folder = tmp_path / "shoot"
    (folder / "day two").mkdir(parents=True)
    for index in range(3):
        (folder / f"beach_{index}.jpg").write_bytes(photo(index))
    (folder / "day two" / "cliff-top.png").write_bytes(photo(10, "PNG"))
    (folder / "notes.txt").write_text("not a photo, and not looked at")

    out, err = add_photos(str(folder), "--price", "15")

    products = list(Product.objects.order_by("title"))
    assert [p.title for p in products] == ["beach 0", "beach 1", "beach 2", "cliff top"]
    assert all(p.price == Decimal("15.00") and p.on_sale and p.has_photo for p in products)
    assert "4 photo(s) added, 0 refused" in out
    assert "ms a file" in out
    assert err.splitlines()[-1] == f"[{'#' * 30}] 4/4"


def test_each_refused_file_gets_a_line_saying_why_and_the_others_are_added(tmp_path, photo_dirs):
    good, damaged, duplicate = tmp_path / "good.png", tmp_path / "damaged.jpg", tmp_path / "again.tif"
    good.write_bytes(photo(1, "PNG"))
    damaged.write_bytes(photo(2)[:700])
    # The same pixels in another format (lossless): a duplicate, though not one byte is the same.
    duplicate.write_bytes(photo(1, "TIFF"))
    small = tmp_path / "small.jpg"
    small.write_bytes(photo(3, size=(451, 300)))

    with pytest.raises(CommandError) as refused:
        add_photos(str(good), str(damaged), str(duplicate), str(small), str(tmp_path / "missing.jpg"), "--price", "10")

    [product] = Product.objects.all()
    lines = str(refused.value).splitlines()
    assert lines[0] == "Refused:"
    assert lines[1] == f"{tmp_path / 'missing.jpg'}: no such file or folder"
    assert lines[2].startswith(f"{damaged}: The image is damaged or truncated")
    assert lines[3] == f"{duplicate}: The same photo is already in the catalog: product {product.pk}, good."
    assert lines[4].startswith(f"{small}: The photo is too small to sell: 451 × 300 px. Its long edge must be at least")
    assert len(lines) == 5


def test_a_photo_already_on_sale_is_refused_naming_its_product(tmp_path, photo_dirs):
    (tmp_path / "first.jpg").write_bytes(photo(5))
    add_photos(str(tmp_path / "first.jpg"), "--price", "10", "--title", "Lighthouse")
    (tmp_path / "copy.jpg").write_bytes(photo(5))  # the very same file under another name

    with pytest.raises(CommandError, match=r"already in the catalog: product \d+, Lighthouse\."):
        add_photos(str(tmp_path / "copy.jpg"), "--price", "10")
    assert Product.objects.count() == 1


def test_title_description_credit_and_licence_come_from_xmp_or_iptc(tmp_path, photo_dirs):
    (tmp_path / "a.jpg").write_bytes(photo(20, xmp=XMP.encode()))
    (tmp_path / "b.jpg").write_bytes(
        with_iptc(photo(21), {5: "Old mill", 120: "A mill by the river", 80: "Grace Hopper", 116: "CC0 1.0"})
    )
    (tmp_path / "c.jpg").write_bytes(photo(22))

    add_photos(str(tmp_path), "--price", "10")

    found = {p.title: (p.description, p.credit, p.license) for p in Product.objects.all()}
    assert found == {
        "Harbour at dawn": ("Boats in the fog", "Ada Lovelace", "CC BY 4.0"),
        "Old mill": ("A mill by the river", "Grace Hopper", "CC0 1.0"),
        "c": ("c", "", ""),  # no metadata: the file name
    }


def test_options_win_over_the_photos_metadata(tmp_path, photo_dirs):
    (tmp_path / "a.jpg").write_bytes(photo(30, xmp=XMP.encode()))

    add_photos(str(tmp_path / "a.jpg"), "--price", "10", "--title", "Mine", "--credit", "Me")

    product = Product.objects.get()
    assert (product.title, product.credit, product.license) == ("Mine", "Me", "CC BY 4.0")
