"""Fixtures shared by the whole suite."""

import json

import pytest
import stripe
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import user_token_issue
from devtools.emulator_process import free_port
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


def tasks_backend_use(settings, backend: str) -> None:
    """Make `backend` run the tasks from now on (django.tasks keeps its backends until told)."""
    from asgiref.local import Local
    from django.tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": backend, "QUEUES": ["default"]}}
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """A task runs in the test's own process when it is enqueued (Django's ImmediateBackend).

    The tests of the worker itself (tests/tasks/) put the database backend back and start real workers.
    """
    tasks_backend_use(settings, "django.tasks.backends.immediate.ImmediateBackend")
    yield
    tasks_backend_use(settings, "django_tasks_db.DatabaseBackend")


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
    from devtools.emulator_process import StripeEmulator

    emulator = StripeEmulator(tmp_path_factory.mktemp("localstripe") / "state.pickle")
    emulator.start(from_scratch=True)
    yield emulator
    emulator.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_process, settings):
    """The emulator, emptied, with the payment gateway pointed at it."""
    from devtools.emulator_process import PUBLISHABLE_KEY, SECRET_KEY

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


@pytest.fixture
def stripe_requests(monkeypatch) -> list[tuple[str, str]]:
    """Every request the SDK sends to Stripe from now on, as (method, path), retries included."""
    from urllib.parse import urlsplit

    sent = []
    real_request = stripe.RequestsClient.request

    def request(client, verb, url, headers, post_data=None):
        sent.append((verb, urlsplit(url).path))
        return real_request(client, verb, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", request)
    return sent


class DatabaseOutage:
    """The database becomes unreachable: new connections are pointed at nowhere (a missing file, a closed port).

    Tests using it need `django_db(transaction=True)`: the connection is really closed.
    """

    def __init__(self):
        from django.db import connections

        self._connection = connections["default"]
        self._saved = dict(self._connection.settings_dict)

    def stop(self) -> None:
        from devtools.emulator_process import free_port

        self._connection.close()
        if self._connection.vendor == "sqlite":
            self._connection.settings_dict["NAME"] = "/nonexistent/frameseller/db.sqlite3"
        else:
            self._connection.settings_dict.update(HOST="127.0.0.1", PORT=free_port())
        self._connection.settings_dict["CONN_HEALTH_CHECKS"] = False

    def start(self) -> None:
        self._connection.close()
        self._connection.settings_dict.clear()
        self._connection.settings_dict.update(self._saved)


@pytest.fixture
def database_outage():
    outage = DatabaseOutage()
    yield outage
    outage.start()


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Sign a webhook payload the way Stripe does (t=…,v1=HMAC-SHA256 of "t.payload")."""
    import hashlib
    import hmac
    import time

    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def send_stripe_event(api_client, settings):
    """Return a function that posts a signed Stripe event to the webhook endpoint, as Stripe does."""
    import uuid

    def send(event_type: str, obj: dict, *, event_id: str | None = None, secret: str | None = None):
        event = {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": event_type,
            "created": 1700000000,
            "data": {"object": obj},
        }
        payload = json.dumps(event).encode()
        signature = stripe_signature(payload, secret or settings.STRIPE_WEBHOOK_SECRET)
        return api_client.post(
            "/api/stripe/webhook/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    return send


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, with the shop's mail going to it; `.messages` holds what came."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from devtools.emulator_process import free_port

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


# --- A local AWS: moto's server (S3, CloudFront) for the deploy tests and the S3 download path ---


def moto_keeps_origin_access_controls(patch: pytest.MonkeyPatch) -> None:
    """Make moto's CloudFront keep an origin's S3OriginConfig and OriginAccessControlId, as CloudFront does.

    moto 5.2.5 reads them and answers without them, so a distribution would look as if it had no
    Origin Access Control. Remove this once moto keeps them (the assertion below will say so).
    """
    from moto.cloudfront.models import Origin

    plain = {"Id": "o", "DomainName": "b.s3.eu-west-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    assert not hasattr(Origin(dict(plain)), "origin_access_control_id"), "moto keeps it now: drop this patch"
    moto_init = Origin.__init__

    def init(self, origin: dict) -> None:
        moto_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId", "")
        if "S3OriginConfig" in origin:
            self.s3_origin_config = origin["S3OriginConfig"]

    patch.setattr(Origin, "__init__", init)


@pytest.fixture(scope="session")
def s3_server():
    """moto's server (S3, CloudFront…) on a loopback port: boto3 talks real HTTP to it."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        moto_keeps_origin_access_controls(patch)
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{port}"
        server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Dummy credentials and a region, and no developer's AWS config leaking in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
