"""Every error answer carries a stable `code` a program can switch on, in both envelopes (issue 22, item 2).

The codes are listed in docs/api.md ("Error codes") and in the OpenAPI schema (`CodeEnum`); the tests below
make real requests and check the code each kind of error answers, then check that the list, the schema and
the domain errors agree.
"""

import importlib
import json
import pkgutil
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from frameseller.exceptions import ApplicationError
from orders import placing
from orders.models import DownloadEvent, Order
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
ORDERS = "/api/order/"
DECLINED = "4000000000000341"

# A subclass that answers its base's code on purpose: the database failing during a payment is, for the
# shopper, the payment service not confirming it (the order is settled later either way).
SHARED_CODES = {"DatabaseUnavailableDuringPayment": "payment_pending"}


def detail_code(response, status: int) -> str:
    """The code of a `{"detail": …}` answer, after checking its status and its sentence."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"], body
    assert "success" not in body, body
    return body["code"]


def envelope_code(response, status: int) -> str:
    """The code of a `{"success": false, "error": …}` answer, after checking its status and its sentence."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"], body
    return body["code"]


def order(user, product, status=Order.Status.UNPAID, **fields) -> Order:
    return Order.objects.create(
        user=user, product=product, price=product.price, currency=product.currency, status=status, **fields
    )


def buy(client, stripe_emulator, product, number=None, **headers):
    token = stripe_emulator.card_token(number) if number else stripe_emulator.card_token()
    return client.post(ORDERS, {"token": token, "product": product.pk}, format="json", **headers)


# --- The `{"detail": …}` shape -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_answers_carry_the_frameworks_codes(api_client, auth_client, product):
    assert detail_code(api_client.get("/api/product/999999/"), 404) == "not_found"
    assert detail_code(api_client.get("/api/nope/"), 404) == "not_found"  # the URL resolver, before any view
    assert detail_code(api_client.get("/api/product/?limit=0"), 400) == "invalid"
    assert detail_code(api_client.post("/api/api-token-refresh/", {}, format="json"), 400) == "invalid"
    assert detail_code(api_client.delete("/api/product/"), 405) == "method_not_allowed"
    assert detail_code(api_client.get("/api/product/", HTTP_ACCEPT="text/csv"), 406) == "not_acceptable"


@pytest.mark.django_db
def test_detail_answers_carry_the_accounts_codes(api_client, user):
    wrong = api_client.post("/api/api-token-auth/", {"username": user.email, "password": "nope"}, format="json")
    assert detail_code(wrong, 400) == "login_failed"
    assert wrong.json()["non_field_errors"] == ["authorization failure"]  # older clients read it

    refused = api_client.post("/api/api-token-refresh/", {"token": "not.a.token"}, format="json")
    assert detail_code(refused, 403) == "token_refused"


@pytest.mark.django_db
def test_a_throttled_login_is_coded_throttled(api_client, user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1/min"}
    body = {"username": user.email, "password": DEFAULT_PASSWORD}
    assert api_client.post("/api/api-token-auth/", body, format="json").status_code == 200

    response = api_client.post("/api/api-token-auth/", body, format="json")

    assert detail_code(response, 429) == "throttled"
    assert response["Retry-After"]


@pytest.mark.django_db
def test_the_webhook_refusal_is_coded(api_client):
    response = api_client.post("/api/stripe/webhook/", b"{}", content_type="application/json")

    assert detail_code(response, 400) == "webhook_invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_coded_server_error(api_client, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("catalog.apis.catalog_rendering", boom)
    api_client.raise_request_exception = False

    assert detail_code(api_client.get("/api/product/"), 500) == "server_error"


@pytest.mark.django_db
def test_bodies_refused_before_any_view_are_coded(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    too_large = api_client.post("/api/signup/", "x" * 2048, content_type="application/json")
    assert detail_code(too_large, 413) == "request_too_large"

    bad_length = api_client.post("/api/signup/", "{}", content_type="application/json", CONTENT_LENGTH="many")
    assert detail_code(bad_length, 400) == "bad_request"

    from frameseller.middleware import RequestBodyLimitMiddleware

    chunked = RequestFactory().post("/api/signup/", "{}", content_type="application/json")
    chunked.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    del chunked.META["CONTENT_LENGTH"]
    refused = RequestBodyLimitMiddleware(lambda request: None)(chunked)
    assert refused.status_code == 411
    assert json.loads(refused.content)["code"] == "length_required"


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_coded_service_unavailable(auth_client, database_outage):
    auth_client.raise_request_exception = False
    database_outage.stop()

    api = auth_client.get("/api/product/")
    admin = auth_client.post("/admin/login/", {"username": "a@example.com", "password": "x"})
    health = auth_client.get("/api/health/")

    assert detail_code(api, 503) == detail_code(admin, 503) == "service_unavailable"
    assert health.status_code == 503 and health.json()["code"] == "service_unavailable"


# --- Downloads: `{"detail": …}` for the link, the envelope for the order --------------------------------------


@pytest.mark.django_db
def test_download_answers_are_coded(auth_client, user, product, client_for):
    unpaid = order(user, product)
    refunded = order(user, ProductFactory(), status=Order.Status.REFUNDED, stripe_charge_id="ch_r")
    paid = order(user, ProductFactory(), status=Order.Status.PAID, stripe_charge_id="ch_p")

    def ask(client, target):
        return client.post(f"/api/order/{target.pk}/download/")

    assert envelope_code(ask(auth_client, unpaid), 409) == "order_not_paid"
    assert envelope_code(ask(auth_client, refunded), 410) == "download_revoked"
    assert envelope_code(ask(client_for(UserFactory()), paid), 404) == "order_not_found"
    assert envelope_code(APIClient().post(f"/api/order/{paid.pk}/download/"), 403) == "not_authenticated"

    url = ask(auth_client, paid).json()["url"]
    path = url.removeprefix("http://testserver")
    assert detail_code(APIClient().get(path.rstrip("/") + "x/"), 404) == "download_link_invalid"
    DownloadEvent.objects.filter(kind="issued").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert detail_code(APIClient().get(path), 410) == "download_link_expired"


# --- The envelope `{"success": false, "error": …}` ------------------------------------------------------------


@pytest.mark.django_db
def test_envelope_answers_carry_the_frameworks_codes(api_client, auth_client, settings):
    bad_json = api_client.post("/api/signup/", "{not json", content_type="application/json")
    assert envelope_code(bad_json, 400) == "parse_error"

    form = api_client.post("/api/signup/", {"email": "a@example.com"})  # multipart, not JSON
    assert envelope_code(form, 400) == "unsupported_media_type"

    missing = auth_client.post(ORDERS, {}, format="json")
    assert envelope_code(missing, 400) == "invalid"
    assert "errors" in missing.json()

    anonymous = api_client.get(ORDERS)
    assert envelope_code(anonymous, 403) == "not_authenticated"
    assert anonymous.json()["detail"]  # 403s keep `detail` too

    tampered = APIClient()
    tampered.credentials(HTTP_AUTHORIZATION="JWT not.a.token")
    assert envelope_code(tampered.get(ORDERS), 403) == "authentication_failed"

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signup_ip": "1/min"}
    api_client.post("/api/signup/", {}, format="json")
    assert envelope_code(api_client.post("/api/signup/", {}, format="json"), 429) == "throttled"


@pytest.mark.django_db
def test_signup_and_password_reset_refusals_are_coded(api_client, user):
    body = {"first_name": "A", "last_name": "B", "email": user.email.upper(), "password": "a long passphrase"}
    assert envelope_code(api_client.post("/api/signup/", body, format="json"), 400) == "email_taken"

    weak = {**body, "email": "new@example.com", "password": "123"}
    assert envelope_code(api_client.post("/api/signup/", weak, format="json"), 400) == "signup_invalid"

    confirm = "/api/password-reset/confirm/"
    wrong_link = {"uid": "MQ", "token": "nope", "password": "a brand new passphrase"}
    assert envelope_code(api_client.post(confirm, wrong_link, format="json"), 400) == "password_reset_refused"

    link = {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    weak_password = api_client.post(confirm, {**link, "password": "123"}, format="json")
    assert envelope_code(weak_password, 400) == "new_password_invalid"
    assert weak_password.json()["errors"]["password"]


@pytest.mark.django_db
def test_already_owned_and_in_progress_are_told_apart_by_code(auth_client, user, product, stripe_emulator, monkeypatch):
    """Both answer 409: the site tells them apart by the code, never by the sentence."""
    assert buy(auth_client, stripe_emulator, product).status_code == 201
    owned = buy(auth_client, stripe_emulator, product)
    assert envelope_code(owned, 409) == "already_owned"
    assert owned.json()["order_id"] == Order.objects.get().pk

    # The same purchase, retried with its key while the first attempt is still being charged.
    monkeypatch.setattr(placing, "DUPLICATE_WAIT_SECONDS", 0)
    other = ProductFactory()
    order(user, other, idempotency_key="tab-1", charge_attempted_at=timezone.now())
    in_progress = buy(auth_client, stripe_emulator, other, HTTP_IDEMPOTENCY_KEY="tab-1")
    assert envelope_code(in_progress, 409) == "payment_in_progress"

    # A new purchase of a photo whose earlier payment is still unconfirmed.
    pending = buy(auth_client, stripe_emulator, other, HTTP_IDEMPOTENCY_KEY="tab-2")
    assert envelope_code(pending, 409) == "photo_payment_pending"

    # Confirming an order whose payment has not ended yet.
    confirm = auth_client.post(f"/api/order/{Order.objects.get(product=other).pk}/confirm/")
    assert envelope_code(confirm, 409) == "payment_in_progress"


@pytest.mark.django_db
def test_payment_failures_are_coded(auth_client, user, product, stripe_emulator, stripe_faults, client_for):
    assert envelope_code(buy(auth_client, stripe_emulator, product, DECLINED), 402) == "payment_declined"

    unknown = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": 999999}, format="json")
    assert envelope_code(unknown, 400) == "order_invalid"

    first = ProductFactory()
    assert buy(auth_client, stripe_emulator, first, HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    reused = buy(auth_client, stripe_emulator, ProductFactory(), HTTP_IDEMPOTENCY_KEY="k1")
    assert envelope_code(reused, 422) == "idempotency_key_reused"

    stripe_faults.refuse("/v1/charges", {"type": "invalid_request_error", "message": "Invalid currency: xyz"})
    assert envelope_code(buy(auth_client, stripe_emulator, ProductFactory()), 502) == "payment_rejected"
    stripe_faults.heal()

    stripe_faults.answer_lost("/v1/charges")
    assert envelope_code(buy(auth_client, stripe_emulator, ProductFactory()), 503) == "payment_pending"
    stripe_faults.heal()

    theirs = order(UserFactory(), product)
    assert envelope_code(auth_client.post(f"/api/order/{theirs.pk}/confirm/"), 404) == "order_not_found"


# --- The list: one code per error, documented, declared ------------------------------------------------------


def documented_codes() -> dict[str, int | None]:
    """{code: status} from docs/api.md's "Error codes" table (None where the status varies)."""
    text = (ROOT / "docs" / "api.md").read_text()
    section = text.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    codes = {}
    for code, status in re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", section, re.MULTILINE):
        assert code not in codes, f"{code} is listed twice"
        codes[code] = int(status.strip()) if status.strip().isdigit() else None
    return codes


def application_errors() -> list[type[ApplicationError]]:
    """Every ApplicationError subclass in the apps, once every module of theirs is imported."""
    for package in ("frameseller", "accounts", "catalog", "orders"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    found, todo = [], [ApplicationError]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    # A subclass that is not an error (status below 400) is not answered as one.
    return [error for error in found if error.status_code >= 400]


def test_every_application_error_has_its_own_documented_code():
    documented = documented_codes()
    errors = application_errors()
    assert {error.__name__ for error in errors} >= {"OrderAlreadyOwned", "SignupError", "PhotoInvalid"}

    owners: dict[str, str] = {}
    for error in errors:
        name, code = error.__name__, error.code
        assert re.fullmatch(r"[a-z][a-z_]*[a-z]", code), (name, code)
        if name in SHARED_CODES:
            assert code == SHARED_CODES[name] and "code" not in vars(error), name
            continue
        assert "code" in vars(error), f"{name} has no code of its own"
        assert code not in owners, f"{name} and {owners[code]} share the code {code}"
        owners[code] = name
        assert code in documented, f"{code} ({name}) is not in docs/api.md"
        assert documented[code] == error.status_code, (name, code, documented[code], error.status_code)


def test_the_documented_codes_are_the_schemas():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    declared = schema["components"]["schemas"]["CodeEnum"]["enum"]

    assert sorted(declared) == sorted(documented_codes())


def _properties(schema, node) -> list[dict]:
    """The properties of each shape a response schema allows (one, or each of a oneOf)."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "oneOf" in node:
        return [props for option in node["oneOf"] for props in _properties(schema, option)]
    return [node.get("properties", {})]


def test_every_error_answer_in_the_schema_declares_its_code():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if int(status) < 400 or content is None:
                    continue
                for properties in _properties(schema, content["schema"]):
                    assert "code" in properties, (path, method, status)
