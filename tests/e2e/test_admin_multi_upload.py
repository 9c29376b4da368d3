"""The admin's multi-upload in Chromium, under the admin's Content-Security-Policy.

A staff member chooses two photos with the page's file input and drops a third on it (a photo
already in the catalog): each is sent on its own request, its progress bar reaches 100 %, two
products are made (linked) and the duplicate is refused naming the product it repeats.
"""

import base64

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from devtools.sample_photos import photo_bytes
from tests.e2e.test_admin_and_docs_pages import tab  # noqa: F401 - the fixture
from tests.e2e.test_seller_admin import log_in
from tests.factories import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ENDPOINT = "/admin/catalog/product/upload/photo/"
# Chromium logs every answer with an error status, even one the page reads and shows: the refusal's.
REFUSAL_LOGGED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"

DROP = """([name, base64]) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const zone = document.getElementById("photo-drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: files, bubbles: true, cancelable: true }));
  }
}"""


def test_staff_drop_three_photos_and_see_each_ones_progress_and_outcome(tab, live_server):  # noqa: F811
    existing = ProductFactory(title="Harbour", photo=photo_bytes(1200, 800))
    log_in(tab, live_server)
    answers: list[int] = []
    tab.page.on("response", lambda answer: answer.url.endswith(ENDPOINT) and answers.append(answer.status))

    tab.open(f"{live_server.url}/admin/catalog/product/")
    tab.page.get_by_role("link", name="Add photos").click()
    expect(tab.page.get_by_role("heading", name="Add photos")).to_be_visible()
    expect(tab.page.locator("#photo-upload-error")).to_be_hidden()
    # Without a price nothing is sent, and the page says why.
    tab.page.get_by_label("Drop photos here, or choose them").set_input_files(
        [{"name": "early.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1203, 800)}]
    )
    expect(tab.page.get_by_role("alert")).to_have_text(
        "Enter the price of the photos (0.50 or more) first, then add them again."
    )
    expect(tab.page.get_by_label("Price of each photo")).to_be_focused()
    tab.page.get_by_label("Price of each photo").fill("35")
    tab.page.get_by_label("Drop photos here, or choose them").set_input_files(
        [
            {"name": "cliff_top.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1201, 800)},
            {"name": "sea-stack.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1202, 800)},
        ]
    )
    tab.page.evaluate(DROP, ["harbour again.jpg", base64.b64encode(photo_bytes(1200, 800)).decode()])

    expect(tab.page.get_by_role("status")).to_have_text("3 of 3 photo(s) sent: 2 added, 1 refused.")
    expect(tab.page.get_by_role("alert")).to_be_hidden()
    for name in ("cliff_top.jpg", "sea-stack.jpg", "harbour again.jpg"):
        progress = tab.page.get_by_role("progressbar", name=f"Upload of {name}")
        expect(progress).to_have_attribute("value", "100")
        assert progress.evaluate("bar => bar.position") == 1
    added = list(Product.objects.exclude(pk=existing.pk).order_by("title"))
    assert [(p.title, str(p.price)) for p in added] == [("cliff top", "35.00"), ("sea stack", "35.00")]
    for product in added:
        link = tab.page.get_by_role("link", name=f"product {product.pk}, {product.title}")
        expect(link).to_have_attribute("href", f"/admin/catalog/product/{product.pk}/change/")
    refusal = tab.page.get_by_role("listitem").filter(has_text="harbour again.jpg")
    expect(refusal).to_contain_text(
        f"Refused: The same photo is already in the catalog: product {existing.pk}, Harbour."
    )
    expect(refusal.get_by_role("link", name=f"Open product {existing.pk}")).to_be_visible()
    assert sorted(answers) == [201, 201, 400]

    # The refusal's answer is logged by Chromium itself; nothing else is.
    assert tab.errors == [REFUSAL_LOGGED]
    tab.errors.clear()
    tab.assert_clean()

    tab.page.get_by_role("link", name=f"product {added[0].pk}, cliff top").click()
    expect(tab.page.locator("input[name=title]")).to_have_value("cliff top")
    tab.assert_clean()
