"""The site's page in development: the built index.html, with this server's runtime settings in it."""

import json
import re

import pytest
from django.test.client import Client

pytestmark = pytest.mark.django_db

PAGE = (
    '<!doctype html><title>FrameSeller</title><script type="application/json" id="frameseller-config">null</script>'
    "<script>prefetch()</script>"
)


@pytest.fixture
def dist(settings, tmp_path):
    (tmp_path / "index.html").write_text(PAGE)
    settings.WHITENOISE_ROOT = settings.FRONTEND_DIST_DIR = tmp_path
    return tmp_path


def page_settings(response) -> dict:
    match = re.search(r'<script type="application/json" id="frameseller-config">(.*?)</script>', response.text, re.S)
    assert match, response.text
    return json.loads(match[1])


@pytest.mark.parametrize("url", ["/", "/index.html"])
def test_the_page_carries_the_servers_settings_as_data(dist, settings, url):
    settings.FRONTEND_API_BASE_URL = "https://api.shop.example"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_abc123"
    settings.STRIPE_JS_URL = "http://127.0.0.1:12111/v3/"

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert page_settings(response) == {
        "apiBaseUrl": "https://api.shop.example",
        "stripePublishableKey": "pk_test_abc123",
        "stripeJsUrl": "http://127.0.0.1:12111/v3/",
    }
    assert response.text.endswith("<script>prefetch()</script>")


def test_a_setting_cannot_close_the_element(dist, settings):
    settings.FRONTEND_API_BASE_URL = "</script><script>alert(1)</script>"

    response = Client().get("/")

    assert "<script>alert(1)" not in response.text
    assert page_settings(response)["apiBaseUrl"] == "</script><script>alert(1)</script>"


def test_the_settings_need_no_script_hash(dist):
    """Data, not code: the policy allows the inline prefetch alone, whatever the settings."""
    policy = Client().get("/").headers["Content-Security-Policy"]

    script_src = dict(item.strip().split(" ", 1) for item in policy.split(";"))["script-src"]
    assert script_src.count("'sha256-") == 1


def test_without_serve_frontend_there_is_no_page(dist, settings):
    """As on Elastic Beanstalk: the API server serves no site (settings.py leaves WHITENOISE_ROOT unset)."""
    settings.SERVE_FRONTEND = False
    settings.WHITENOISE_ROOT = None

    assert Client().get("/").status_code == 404


def test_a_browser_asking_for_an_unknown_address_gets_the_page_with_assets_from_the_root(dist):
    (dist / "index.html").write_text(PAGE + '<link rel="stylesheet" href="assets/app.css"><script src="assets/app.js">')

    response = Client().get("/no-such/page", HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Robots-Tag"] == "noindex"
    assert 'href="/assets/app.css"' in response.text
    assert 'src="/assets/app.js"' in response.text


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/api/no-such-endpoint/", "text/html"),  # the API answers JSON, always
        ("/media/thumbs/missing.jpg", "text/html"),
        ("/no-such-page", "application/json"),  # not a browser asking for a page
        ("/no-such-page", "*/*"),
    ],
)
def test_other_unknown_addresses_stay_json_404s(dist, url, accept):
    response = Client().get(url, HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
