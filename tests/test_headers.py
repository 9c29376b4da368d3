"""Every answer carries the security headers: the site's page, API answers, errors rewritten to JSON."""

import pytest

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}


def test_the_site_cannot_be_framed_nor_read_from_another_origin(settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>FrameSeller</title>")
    settings.WHITENOISE_ROOT = str(tmp_path)
    from django.test.client import Client

    response = Client().get("/", HTTP_ORIGIN="https://evil.example")  # a new Client: WhiteNoise reads the settings

    assert response.status_code == 200
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "method, url", [("get", "/api/nothere/"), ("get", "/api/order"), ("delete", "/api/product/"), ("get", "/nothere")]
)
def test_errors_rewritten_to_json_keep_the_security_headers(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code >= 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_api_answers_carry_the_security_headers(client):
    response = client.get("/api/product/")

    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_the_site_gets_a_policy_allowing_exactly_what_it_loads(settings, tmp_path):
    """Its own files, its inline prefetch by hash, Stripe.js and its API, the photos; nothing framing it.

    That the site needs nothing more shows in the browser tests, which fail on any console error
    (a blocked load is one).
    """
    import base64
    import hashlib

    from django.test.client import Client

    prefetch = b"window.prefetched = true;"
    (tmp_path / "index.html").write_bytes(b"<!doctype html><script>" + prefetch + b"</script><title>FS</title>")
    settings.WHITENOISE_ROOT = settings.FRONTEND_DIST_DIR = str(tmp_path)
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = ""
    settings.FRONTEND_API_BASE_URL = "https://api.shop.example"

    policy = Client().get("/").headers["Content-Security-Policy"]

    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    digest = base64.b64encode(hashlib.sha256(prefetch).digest()).decode()
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == f"'self' https://js.stripe.com 'sha256-{digest}'"
    assert directives["connect-src"] == "'self' https://api.stripe.com https://api.shop.example"
    assert directives["frame-src"] == "https://js.stripe.com https://hooks.stripe.com"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_the_site_may_load_the_photos_from_where_their_storage_serves_them(settings):
    """Local photos come from the site's own origin; S3 ones from the bucket's (or CDN's) origin."""
    from frameseller.csp import site_policy

    assert site_policy()["img-src"] == ["'self'", "data:"]

    settings.STORAGES = {
        **settings.STORAGES,
        "photo_derivatives": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "photos", "custom_domain": "photos.shop.example", "querystring_auth": False},
        },
    }

    assert site_policy()["img-src"] == ["'self'", "data:", "https://photos.shop.example"]


def test_api_answers_allow_nothing_to_run(client):
    assert (
        client.get("/api/product/").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
