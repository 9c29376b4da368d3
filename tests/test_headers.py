"""Every answer carries the security headers: the site's page, API answers, errors rewritten to JSON."""

import base64
import hashlib
import re

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


def sha256_source(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def policy_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(item.strip().split(" ", 1) for item in policy.split(";"))


def test_the_admin_gets_a_policy_allowing_its_own_files_only(client):
    """The admin's scripts and styles are files of its own (no inline script): nothing else may run."""
    response = client.get("/admin/login/")

    assert response.status_code == 200
    directives = policy_directives(response)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"].startswith("'self'")
    assert directives["form-action"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_admin_policy_allows_exactly_the_style_attributes_its_pages_use(admin_client, product):
    """The photo columns of the product admin size their pictures with style attributes: those, by hash."""
    seen, allowed = set(), set()
    for url in ("/admin/", "/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        seen |= set(re.findall(r'\sstyle="([^"]*)"', response.content.decode()))
        style_src = policy_directives(response)["style-src"].split()
        assert style_src[:2] == ["'self'", "'unsafe-hashes'"], url
        allowed |= set(style_src[2:])

    assert seen
    assert allowed == {sha256_source(style) for style in seen}


def test_the_admin_may_show_the_photos_from_where_their_storage_serves_them(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "photo_derivatives": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "photos", "custom_domain": "photos.shop.example", "querystring_auth": False},
        },
    }

    directives = policy_directives(client.get("/admin/login/"))

    assert directives["img-src"] == "'self' https://photos.shop.example"


def test_the_api_docs_get_a_policy_allowing_swagger_ui_from_this_server(client):
    """Swagger UI's files come from the sidecar package (this server's static files), its start-up script too."""
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    directives = policy_directives(response)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    # Every script is a file; the one inline style is allowed by its hash.
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert directives["style-src"] == f"'self' {sha256_source(style)}"


def test_the_api_docs_start_up_script_is_served_as_javascript(client):
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    (own,) = [src for src in scripts if src.startswith("/api/docs/")]

    response = client.get(own.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in response.content.decode()


def test_the_api_docs_ask_no_outside_validator_for_a_badge(client):
    """Swagger UI would show a badge from validator.swagger.io: the policy refuses it, and it needs the internet."""
    html = client.get("/api/docs/").content.decode()
    (own,) = [src for src in re.findall(r'<script src="([^"]+)"', html) if src.startswith("/api/docs/")]

    script = client.get(own.replace("&amp;", "&")).content.decode()

    assert '"validatorUrl": null' in script
