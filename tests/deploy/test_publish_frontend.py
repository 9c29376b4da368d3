"""`python -m deploy publish-frontend` against moto's server (S3, CloudFront) over HTTP: the files, their headers.

What CloudFront serves them, and how, is in test_cloudfront.py.
"""

import base64
import gzip
import hashlib
import html
import json
import re
import uuid

import boto3
import pytest

from deploy.__main__ import main
from deploy.frontend import page_with_settings
from deploy.sitefiles import CACHE_IMMUTABLE, cache_control, content_type, is_versioned

INDEX = (
    b'<!doctype html><title>FrameSeller</title><script type="application/json" id="frameseller-config">null</script>'
)
JS = b"console.log('shop');\n"
CSS = b"body { margin: 0 }\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

EXPECTED = {
    "index.html": ("text/html; charset=utf-8", "no-cache"),
    "assets/app.3f9a1c2b.js": ("text/javascript; charset=utf-8", CACHE_IMMUTABLE),
    "assets/index-B3kq9xZa.css": ("text/css; charset=utf-8", CACHE_IMMUTABLE),
    "img/logo.png": ("image/png", "no-cache"),
    "img/icon.svg": ("image/svg+xml; charset=utf-8", "no-cache"),
    "site.webmanifest": ("application/manifest+json; charset=utf-8", "no-cache"),
}


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "img").mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app.3f9a1c2b.js").write_bytes(JS)
    (root / "assets" / "index-B3kq9xZa.css").write_bytes(CSS)
    (root / "img" / "logo.png").write_bytes(PNG)
    (root / "img" / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "site.webmanifest").write_text('{"name": "FrameSeller"}')
    return root


@pytest.fixture
def bucket():
    return f"frameseller-site-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3(s3_server, aws_env):
    return boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-1")


@pytest.fixture
def publish(s3_server, aws_env, dist, bucket):
    def run(*extra: str):
        return main(
            [
                "publish-frontend",
                "--bucket",
                bucket,
                "--api-url",
                "https://api.example.com",
                "--stripe-publishable-key",
                "pk_test_abc123",
                "--endpoint-url",
                s3_server,
                "--dist",
                str(dist),
                "--skip-build",
                *extra,
            ]
        )

    return run


def objects(s3, bucket) -> dict[str, dict]:
    response = s3.list_objects_v2(Bucket=bucket)
    return {obj["Key"]: obj for obj in response.get("Contents", [])}


def test_publish_uploads_every_file_with_its_content_type_and_cache_header(publish, s3, bucket, capsys):
    result = publish()

    assert set(objects(s3, bucket)) == set(EXPECTED)
    for key, (kind, cache) in EXPECTED.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), key
    assert s3.get_object(Bucket=bucket, Key="assets/app.3f9a1c2b.js")["Body"].read() == JS
    assert sorted(result.uploaded) == sorted(EXPECTED)
    out = capsys.readouterr().out
    assert "[1/6] upload" in out
    assert "uploaded 6 file(s)" in out
    assert re.search(r"^Site: https://\S+\.cloudfront\.net$", out, re.M)


def published_page(s3, bucket) -> str:
    answer = s3.get_object(Bucket=bucket, Key="index.html")
    assert answer["ContentEncoding"] == "gzip"
    return gzip.decompress(answer["Body"].read()).decode()


def test_the_page_holds_the_given_settings_as_data(publish, s3, bucket):
    publish("--stripe-js-url", "https://js.example.com/v3/")

    page = published_page(s3, bucket)
    match = re.search(r'<script type="application/json" id="frameseller-config">(.*?)</script>', page, re.S)
    assert match, page
    assert json.loads(match[1]) == {
        "apiBaseUrl": "https://api.example.com",
        "stripePublishableKey": "pk_test_abc123",
        "stripeJsUrl": "https://js.example.com/v3/",
    }
    assert page.startswith("<!doctype html><title>FrameSeller</title>")


def test_a_page_without_its_settings_element_is_not_published(publish, s3, bucket, dist):
    (dist / "index.html").write_bytes(b"<!doctype html><title>FrameSeller</title><script src=config.js></script>")

    with pytest.raises(SystemExit, match="no settings element"):
        publish()

    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_settings_cannot_close_their_element():
    page = page_with_settings(INDEX, {"apiBaseUrl": "</script><script>alert(1)</script>&"})

    data = page.split(b'id="frameseller-config">', 1)[1].split(b"</script>", 1)[0]
    assert b"<" not in data and b">" not in data and b"&" not in data
    assert json.loads(data) == {"apiBaseUrl": "</script><script>alert(1)</script>&"}


def test_bucket_is_created_in_the_region_private_and_without_a_website(publish, s3, bucket):
    publish("--region", "eu-west-1")

    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-west-1"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchWebsiteConfiguration"):
        s3.get_bucket_website(Bucket=bucket)


def test_website_mode_serves_the_bucket_as_a_public_website(publish, s3, bucket, capsys):
    publish("--region", "eu-west-1", "--website")

    website = s3.get_bucket_website(Bucket=bucket)
    assert website["IndexDocument"] == {"Suffix": "index.html"}
    assert website["ErrorDocument"] == {"Key": "index.html"}
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{bucket}/*"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block["BlockPublicPolicy"] is False
    assert block["BlockPublicAcls"] is True
    assert capsys.readouterr().out.rstrip().endswith(f"/{bucket}/index.html")


def test_stale_object_is_removed(publish, s3, bucket, dist):
    publish()
    (dist / "assets" / "app.3f9a1c2b.js").rename(dist / "assets" / "app.77e0d1aa.js")

    result = publish()

    keys = set(objects(s3, bucket))
    assert "assets/app.3f9a1c2b.js" not in keys
    assert "assets/app.77e0d1aa.js" in keys
    assert result.deleted == ["assets/app.3f9a1c2b.js"]
    assert result.uploaded == ["assets/app.77e0d1aa.js"]


def test_second_run_uploads_nothing(publish, s3, bucket, capsys):
    publish()
    before = {key: (obj["ETag"], obj["LastModified"]) for key, obj in objects(s3, bucket).items()}
    capsys.readouterr()

    result = publish()

    assert result.uploaded == []
    assert result.uploaded_bytes == 0
    assert result.deleted == []
    assert sorted(result.unchanged) == sorted(EXPECTED)
    assert "uploaded 0 file(s), 0 B; 6 unchanged; deleted 0." in capsys.readouterr().out
    after = {key: (obj["ETag"], obj["LastModified"]) for key, obj in objects(s3, bucket).items()}
    assert after == before


def test_changed_file_and_changed_headers_are_uploaded_again(publish, s3, bucket, dist):
    publish()
    (dist / "index.html").write_bytes(INDEX + b"<!-- v2 -->")
    s3.copy_object(
        Bucket=bucket,
        Key="img/logo.png",
        CopySource={"Bucket": bucket, "Key": "img/logo.png"},
        ContentType="application/octet-stream",
        MetadataDirective="REPLACE",
    )

    result = publish()

    assert sorted(result.uploaded) == ["img/logo.png", "index.html"]
    assert s3.head_object(Bucket=bucket, Key="img/logo.png")["ContentType"] == "image/png"


def test_dry_run_changes_nothing(publish, s3, bucket, dist, capsys):
    publish()
    (dist / "index.html").write_bytes(INDEX + b"<!-- v2 -->")
    (dist / "img" / "logo.png").unlink()
    before = {key: (obj["ETag"], obj["LastModified"]) for key, obj in objects(s3, bucket).items()}
    capsys.readouterr()

    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]

    result = publish("--dry-run", "--website")

    after = {key: (obj["ETag"], obj["LastModified"]) for key, obj in objects(s3, bucket).items()}
    assert after == before
    assert result.uploaded == ["index.html"]
    assert result.deleted == ["img/logo.png"]
    out = capsys.readouterr().out
    assert "[dry run]" in out
    assert "nothing was changed" in out
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchWebsiteConfiguration"):
        s3.get_bucket_website(Bucket=bucket)


def test_dry_run_on_a_missing_bucket_creates_nothing(publish, s3, bucket):
    result = publish("--dry-run")

    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert sorted(result.uploaded) == sorted(EXPECTED)


@pytest.mark.parametrize(
    ("name", "versioned"),
    [
        ("app.3f9a1c2b.js", True),
        ("index-B3kq9xZa.css", True),
        ("chunk.5d41402abc4b2a76.js", True),
        ("logo.png", False),
        ("bootstrap.min.css", False),
        ("main.stylesheet.css", False),
        ("app.js", False),
    ],
)
def test_content_hashed_names_are_cached_forever(name, versioned):
    assert is_versioned(name) is versioned
    assert (cache_control(name) == CACHE_IMMUTABLE) is versioned


@pytest.mark.parametrize("name", ["assets/app-QWERTYUI.js", "assets/chunk-ABCDEFGH.js", "assets/checkout-2K7QX4ZM.js"])
def test_the_builds_assets_are_cached_forever_whatever_their_hash_looks_like(name):
    assert cache_control(name) == CACHE_IMMUTABLE


def test_text_types_carry_a_charset():
    assert content_type("a.woff2") == "font/woff2"
    assert content_type("a.json") == "application/json; charset=utf-8"
    assert content_type("a.txt") == "text/plain; charset=utf-8"
    assert content_type("a.unknownext") == "application/octet-stream"


def test_the_builds_gzip_copies_are_uploaded_as_their_files_with_content_encoding(publish, s3, bucket, dist):
    for name in ("index.html", "assets/app.3f9a1c2b.js", "assets/index-B3kq9xZa.css"):
        body = (dist / name).read_bytes()
        (dist / (name + ".gz")).write_bytes(gzip.compress(body, mtime=0))
        (dist / (name + ".br")).write_bytes(b"brotli bytes stand-in")

    publish()

    assert set(objects(s3, bucket)) == set(EXPECTED)  # no .gz or .br objects of their own
    served = s3.get_object(Bucket=bucket, Key="assets/app.3f9a1c2b.js")
    assert served["ContentEncoding"] == "gzip"
    assert served["ContentType"] == "text/javascript; charset=utf-8"
    assert gzip.decompress(served["Body"].read()) == JS
    assert "ContentEncoding" not in s3.head_object(Bucket=bucket, Key="img/logo.png")
    assert publish().uploaded == []


def test_the_published_page_carries_the_sites_content_security_policy(publish, s3, bucket, dist):
    """CloudFront's managed headers policy sends no CSP (issue 18 item 7): the page holding the token has its own."""
    (dist / "index.html").write_bytes(
        b'<!doctype html><html><head><meta charset="utf-8"><title>FrameSeller</title>'
        b'<script type="application/json" id="frameseller-config">null</script>'
        b"<script>window.prefetch = 1;</script></head><body></body></html>"
    )
    publish("--photos-url", "https://photos.example.com/thumbs/")

    page = published_page(s3, bucket)
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match, page
    assert page.index("Content-Security-Policy") > page.index('<meta charset="utf-8">')
    assert page.index("Content-Security-Policy") < page.index("<script")
    policy = dict((directive.split(" ", 1) + [""])[:2] for directive in html.unescape(match[1]).split("; "))
    inline = "'sha256-" + base64.b64encode(hashlib.sha256(b"window.prefetch = 1;").digest()).decode() + "'"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].split() == ["'self'", "https://js.stripe.com", inline]
    assert policy["connect-src"].split() == ["'self'", "https://api.stripe.com", "https://api.example.com"]
    assert policy["img-src"].split() == ["'self'", "data:", "https://photos.example.com"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "frame-ancestors" not in policy  # ignored in a <meta>: X-Frame-Options comes with CloudFront's headers


def test_the_pages_policy_is_the_one_the_api_sends_with_the_page(settings):
    """The same builder as the development server's header (tests/test_headers.py, Chromium: no violation)."""
    from deploy.frontend import page_with_policy
    from frameseller.sitepage import site_policy_for

    page = b'<!doctype html><html><head><meta charset="utf-8"><script>go()</script></head></html>'
    published = page_with_policy(
        page, api_base_url="https://api.example.com", stripe_js_url="https://js.stripe.com/v3/"
    )
    header = site_policy_for(
        inline=("'sha256-" + base64.b64encode(hashlib.sha256(b"go()").digest()).decode() + "'",),
        stripe_js_url="https://js.stripe.com/v3/",
        stripe_api_url="",
        api_url="https://api.example.com",
        photos_origin=None,
    )
    header.pop("frame-ancestors")
    from django.utils.csp import build_policy

    assert html.escape(build_policy(header)).encode() in published
