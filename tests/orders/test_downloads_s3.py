"""The production path: originals in a private S3 bucket, derivatives in a public one (moto in server mode)."""

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from orders.models import DownloadEvent, Order
from tests.catalog.test_photos import photo_with_gps
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

ORIGINALS, PUBLIC = "fs-originals", "fs-public"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{PUBLIC}/*"}
    ],
}


@pytest.fixture
def s3_photos(s3_server, aws_env, settings):
    """Both photo storages on moto's S3, as PHOTOS_STORAGE=s3 configures them."""
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-1")
    for bucket in (ORIGINALS, PUBLIC):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    # As docs/deploy.md sets it up: anyone may read the public bucket; the originals' has no policy.
    s3.put_bucket_policy(Bucket=PUBLIC, Policy=json.dumps(PUBLIC_READ))
    common = {
        "region_name": "eu-west-1",
        "endpoint_url": s3_server,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "photo_originals": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "bucket_name": ORIGINALS, "default_acl": None, "querystring_auth": True},
        },
        "photo_derivatives": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "bucket_name": PUBLIC, "querystring_auth": False},
        },
    }
    yield s3
    for bucket in (ORIGINALS, PUBLIC):
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)


def test_photos_go_to_their_buckets_and_the_catalog_lists_public_urls(s3_photos, s3_server, api_client):
    content = photo_with_gps(1600, 1200)
    product = ProductFactory(photo=content)

    originals = [item["Key"] for item in s3_photos.list_objects_v2(Bucket=ORIGINALS)["Contents"]]
    derivatives = sorted(item["Key"] for item in s3_photos.list_objects_v2(Bucket=PUBLIC)["Contents"])
    assert originals == [product.original.name]
    assert s3_photos.get_object(Bucket=ORIGINALS, Key=product.original.name)["Body"].read() == content
    assert derivatives == sorted(row[4] for row in product.derivatives)
    assert {product.preview.name, product.thumbnail.name} <= set(derivatives)
    [item] = api_client.get("/api/product/").json()
    assert item["thumbnail_url"] == f"{s3_server}/{PUBLIC}/{product.thumbnail.name}"
    assert item["url"] == item["preview_url"] == f"{s3_server}/{PUBLIC}/{product.preview.name}"
    assert ORIGINALS not in str(item)
    assert requests.get(item["thumbnail_url"], timeout=5).status_code == 200


def test_download_is_a_presigned_url_that_serves_the_original(s3_photos, s3_server, auth_client, user, settings):
    settings.PHOTOS_DOWNLOAD_LINK_SECONDS = 120
    content = photo_with_gps(1600, 1200)
    product = ProductFactory(title="Harbour", photo=content)
    order = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="PAID")

    response = auth_client.post(f"/api/order/{order.pk}/download/")

    assert response.status_code == 200, response.json()
    link = response.json()
    url = urlsplit(link["url"])
    assert f"{url.scheme}://{url.netloc}" == s3_server
    assert url.path == f"/{ORIGINALS}/{product.original.name}"
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["response-content-disposition"] == [f'attachment; filename="{link["filename"]}"']
    file = requests.get(link["url"], timeout=5)
    assert file.status_code == 200
    assert file.content == content
    assert hashlib.sha256(file.content).hexdigest() == link["sha256"] == product.original_sha256
    assert file.headers["Content-Disposition"] == f'attachment; filename="{link["filename"]}"'
    assert file.headers["Content-Type"] == "image/jpeg"
    assert DownloadEvent.objects.get().kind == "issued"


def test_an_original_on_s3_is_refused_without_a_signature(s3_photos, s3_server):
    product = ProductFactory()

    assert requests.get(f"{s3_server}/{ORIGINALS}/{product.original.name}", timeout=5).status_code == 403


def test_a_refunded_order_gets_no_presigned_url(s3_photos, auth_client, user):
    product = ProductFactory()
    order = Order.objects.create(user=user, product=product, price=product.price, currency="usd", status="REFUNDED")

    response = auth_client.post(f"/api/order/{order.pk}/download/")

    assert response.status_code == 410
    assert "url" not in response.json()
