"""Project-wide behaviour: errors, health, docs, migrations, deployment checks."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_health_checks_database(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_url_is_json_404(client, settings, debug):
    settings.DEBUG = debug

    response = client.get("/api/nope/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_wrong_method_is_json_405(api_client):
    response = api_client.delete("/api/product/")

    assert response.status_code == 405
    assert response.json()["detail"]


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_error_is_json_500(api_client, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("catalog.apis.catalog_rendering", boom)
    api_client.raise_request_exception = False

    response = api_client.get("/api/product/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    assert b"kaboom" not in response.content


def test_oversized_body_is_413_json(api_client):
    response = api_client.post("/api/signup/", "x" * (70 * 1024), content_type="application/json")

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_cors_allows_the_site_origin(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]

    response = api_client.options(
        "/api/order/",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "idempotency-key" in response["Access-Control-Allow-Headers"]


def test_schema_generates_without_warnings():
    out, err = StringIO(), StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=err)

    schema = out.getvalue()
    for path in ("/api/signup/", "/api/api-token-auth/", "/api/product/", "/api/order/", "/api/health/"):
        assert path in schema
    assert "'402':" in schema and "'503':" in schema


def test_docs_page_is_served_without_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "p" * 20 + "-Zx9!kq2#LmT8$vR4&wY6*nB1@cD3^fG5",
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DJANGO_HTTPS": "1",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_example",
        # What production requires besides (frameseller.checks; tests/test_production_checks.py).
        "PHOTOS_STORAGE": "s3",
        "PHOTOS_ORIGINALS_BUCKET": "frameseller-originals",
        "PHOTOS_PUBLIC_BUCKET": "frameseller-media",
        "REDIS_URL": "redis://cache.example.com:6379/0",
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "k" * 32,
        "EMAIL_URL": "smtp+tls://user:password@email-smtp.eu-west-1.amazonaws.com:587",
        "DEFAULT_FROM_EMAIL": "FrameSeller <receipts@shop.example.com>",
        "SHOP_URL": "https://shop.example.com/",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_site_entry_page_revalidates_and_hashed_assets_cache_for_good(client):
    from django.conf import settings

    assets = sorted((settings.FRONTEND_DIST_DIR / "assets").glob("app-*.js"))
    if not assets:
        pytest.skip("frontend/dist is not built")

    index = client.get("/")
    asset = client.get(f"/assets/{assets[0].name}")

    assert index.status_code == 200
    assert index["Cache-Control"] == "no-cache"
    assert asset.status_code == 200
    assert "immutable" in asset["Cache-Control"]


def test_error_answers_carry_cors_headers(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
    origin = {"HTTP_ORIGIN": "https://shop.example.com"}

    too_big = api_client.post("/api/signup/", "x" * (70 * 1024), content_type="application/json", **origin)
    missing = api_client.get("/api/nope/", **origin)
    forbidden = api_client.get("/api/order/", **origin)

    for response in (too_big, missing, forbidden):
        assert response["Access-Control-Allow-Origin"] == "https://shop.example.com", response.status_code
    assert (too_big.status_code, missing.status_code, forbidden.status_code) == (413, 404, 403)


@pytest.mark.parametrize("url", ["/api/signup/", "/api/api-token-auth/", "/api/order/"])
def test_deeply_nested_json_is_never_a_500(auth_client, url):
    response = auth_client.post(url, "[" * 30000, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_missing_trailing_slash_is_json_404_with_a_hint(auth_client):
    response = auth_client.post("/api/order", {"token": "tok_x", "product": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found. API addresses end with a slash: /api/order/"
