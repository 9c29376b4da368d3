"""Fixtures shared by the whole suite."""

import json

import pytest
import stripe
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import user_token_issue
from tests.factories import ProductFactory, UserFactory


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        where = db["TEST"]["NAME"]
    else:
        where = f"{db.get('HOST')}:{db.get('PORT')}/test_{db['NAME']}"
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    return f"test database: {engine} ({where}); cache: {settings.CACHES['default']['BACKEND']}"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests don't run collectstatic; the manifest storage would refuse to build URLs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def photo_dirs(settings, tmp_path) -> dict:
    """Photos stored in this test's own folders: {"originals": Path, "public": Path}."""
    dirs = {"originals": tmp_path / "photos" / "originals", "public": tmp_path / "photos" / "public"}
    settings.STORAGES = {
        **settings.STORAGES,
        "photo_originals": {
            "BACKEND": "catalog.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": dirs["originals"]},
        },
        "photo_derivatives": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": dirs["public"], "base_url": "/media/"},
        },
    }
    return dirs


@pytest.fixture(autouse=True)
def _stripe_capacity_reset():
    """The Stripe bulkhead and breaker keep state per process: start every test with none."""
    from orders.capacity import capacity_reset

    capacity_reset()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters live in the cache: start every test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def token(user):
    return user_token_issue(user=user)


@pytest.fixture
def auth_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
    return client


@pytest.fixture
def client_for(db):
    """Return a function that makes an API client logged in as a given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"JWT {user_token_issue(user=user)}")
        return client

    return make


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def db_vendor():
    return connection.vendor


@pytest.fixture(scope="session")
def stripe_emulator_process(tmp_path_factory):
    from tests.emulator_process import StripeEmulator

    emulator = StripeEmulator(tmp_path_factory.mktemp("localstripe") / "state.pickle")
    emulator.start(from_scratch=True)
    yield emulator
    emulator.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_process, settings):
    """The emulator, emptied, with the payment gateway pointed at it."""
    from tests.emulator_process import PUBLISHABLE_KEY, SECRET_KEY

    if not stripe_emulator_process.running:
        stripe_emulator_process.start()
    stripe_emulator_process.flush()
    settings.STRIPE_API_BASE = stripe_emulator_process.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_JS_URL = f"{stripe_emulator_process.url}/js.stripe.com/v3/wrapped.js"
    yield stripe_emulator_process
    if not stripe_emulator_process.running:
        stripe_emulator_process.start()


class StripeFaults:
    """Faults a real Stripe cannot show on cue, injected under the real SDK's HTTP client."""

    def __init__(self, monkeypatch, settings):
        self._monkeypatch = monkeypatch
        self._settings = settings
        self._real_request = stripe.RequestsClient.request

    def answer_lost(self, path: str, method: str = "post") -> None:
        """The request reaches Stripe, but its answer never comes back (a read timeout, no retry)."""
        self._settings.STRIPE_MAX_NETWORK_RETRIES = 0
        real_request = self._real_request

        def request(client, verb, url, headers, post_data=None):
            result = real_request(client, verb, url, headers, post_data)
            if verb == method and url.endswith(path):
                raise stripe.APIConnectionError("Read timed out.")
            return result

        self._monkeypatch.setattr(stripe.RequestsClient, "request", request)

    def refuse(self, path: str, error: dict, status: int = 400, method: str = "post") -> None:
        """Stripe answers the request with an error, without doing anything."""
        real_request = self._real_request
        body = json.dumps({"error": error}).encode()

        def request(client, verb, url, headers, post_data=None):
            if verb == method and url.endswith(path):
                return body, status, {"request-id": "req_test"}
            return real_request(client, verb, url, headers, post_data)

        self._monkeypatch.setattr(stripe.RequestsClient, "request", request)

    def heal(self) -> None:
        """Let every request through again."""
        self._monkeypatch.setattr(stripe.RequestsClient, "request", self._real_request)


@pytest.fixture
def stripe_faults(monkeypatch, settings) -> StripeFaults:
    return StripeFaults(monkeypatch, settings)
