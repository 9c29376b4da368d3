"""Photos added by the hundred go on sale once the worker has made their derivatives."""

import io

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from catalog.models import Product
from tests.catalog.test_add_photos import photo
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_added_photos_go_on_sale_when_the_worker_has_made_their_derivatives(tmp_path, photo_dirs, workers):
    workers.env["PHOTOS_DIR"] = str(photo_dirs["originals"].parent)
    for index in range(5):
        (tmp_path / f"photo-{index}.jpg").write_bytes(photo(index, size=(1200, 800)))

    call_command("add_photo", str(tmp_path), "--price", "10", stdout=io.StringIO(), stderr=io.StringIO())

    assert Product.objects.count() == 5
    assert not Product.objects.filter(on_sale=True).exists()  # kept, not on sale: no thumbnail or preview yet
    assert all(p.original and not p.thumbnail for p in Product.objects.all())
    tasks = DBTaskResult.objects.filter(task_path="catalog.tasks.product_derivatives_task")
    assert tasks.count() == 5
    workers.start()
    wait_for(lambda: tasks.filter(status=TaskResultStatus.SUCCESSFUL).count() == 5, what="5 derivatives")
    for product in Product.objects.all():
        assert product.on_sale and product.has_photo
        assert (photo_dirs["public"] / product.thumbnail.name).is_file()
        assert (photo_dirs["public"] / product.preview.name).is_file()
        # The 1x, 2x and 3x thumbnails and the preview, JPEG and WebP, all made by the worker.
        assert len(product.derivatives) == 6 and all(
            (photo_dirs["public"] / row[4]).is_file() for row in product.derivatives
        )
