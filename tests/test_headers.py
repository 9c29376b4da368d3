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
