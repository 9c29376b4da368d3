"""The OpenAPI schema tells the truth: schemathesis sends generated requests to the app and checks every answer.

A bounded, deterministic run of schemathesis' own engine (what `schemathesis run` does, all phases and all
checks) against the WSGI app in this process, with the schema it serves at /api/schema/: a database with
photos on sale (one without a photo, as legacy products are), a shopper with a token and a paid order, and
the Stripe emulator behind the order endpoints.
"""

import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.specs.openapi import _auth_retry

from accounts.services import user_token_issue
from catalog.models import Product
from orders.models import Order
from tests.factories import ProductFactory, UserFactory

EXAMPLES_PER_OPERATION = 20
SECURED_OPERATIONS = ["order_list", "order_create", "order_confirm", "order_download"]

# Valid in shape is not always valid: what the schema cannot say, and the contract answers with a 4xx.
ACCEPTED_REFUSALS = [
    # A wrong password, an email taken or a password the validators reject; a request not signed by Stripe.
    (["login", "signup", "stripe_webhook"], ["400"]),
    # A wrong, used or expired reset link, or a password the validators reject.
    (["password_reset_check", "password_reset_confirm"], ["400"]),
    # A cursor the API did not give (it is opaque).
    (["product_list", "order_list"], ["400"]),
    # A product not on sale (400), a token Stripe does not know (402), a key used for another photo (422).
    (["order_create"], ["400", "402", "422"]),
    # An order that failed (402) or was refunded (400) when its payment is confirmed again.
    (["order_confirm"], ["400", "402"]),
]
POSITIVE_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


@pytest.fixture
def shop(transactional_db, stripe_emulator, settings):
    """Photos on sale, a shopper's token and a paid order; committed, as the engine calls from its own thread.

    The throttles are opened wide so that generated requests reach the views (every 429 is declared, and
    tests/test_openapi.py checks that it is).
    """
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES, "100000/min")
    photos = [ProductFactory(), ProductFactory(price="12.50")]
    Product.objects.create(title="Legacy", description="Sold before the photos came", price="5.00")
    shopper = UserFactory()
    Order.objects.create(
        user=shopper,
        product=photos[0],
        price=photos[0].price,
        currency="usd",
        status=Order.Status.PAID,
        stripe_charge_id="ch_1",
    )
    return {"token": user_token_issue(user=shopper)}


@pytest.fixture
def _in_process_auth_probes(monkeypatch):
    """Work around schemathesis 4.32: its ignored_auth probe passes socket options to the WSGI client."""
    original = _auth_retry.build_retry_transport_kwargs

    def without_socket_options(*args, **kwargs):
        transport_kwargs = original(*args, **kwargs)
        for name in ("max_redirects", "verify", "cert", "proxies"):
            transport_kwargs.pop(name, None)
        return transport_kwargs

    monkeypatch.setattr(_auth_retry, "build_retry_transport_kwargs", without_socket_options)


def run_config(token: str) -> SchemathesisConfig:
    operations = [
        {
            "include-operation-id": operation_ids,
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_DEFAULT + statuses}},
        }
        for operation_ids, statuses in ACCEPTED_REFUSALS
    ]
    # The contract answers 403 to a missing token (as the 2017 API did); this check wants only 401.
    operations.append(
        {"include-operation-id": SECURED_OPERATIONS, "checks": {"missing_required_header": {"enabled": False}}}
    )
    return SchemathesisConfig.from_dict(
        {
            "seed": 2017,
            "workers": 1,
            # Deterministic: the same requests every run, nothing remembered from an earlier one.
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
            "checks": {"enabled": True},
            "auth": {"openapi": {"jwtAuth": {"api_key": f"JWT {token}"}}},
            # The WSGI client hands the body over as sent; a real HTTP client would undo the gzip.
            "headers": {"Accept-Encoding": "identity"},
            "operations": operations,
        }
    )


@pytest.mark.usefixtures("_in_process_auth_probes")
def test_api_answers_as_its_schema_says(shop):
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), config=run_config(shop["token"])
    )
    operations = {operation.ok().label for operation in schema.get_all_operations()}
    started = time.monotonic()
    requests, failures, tested = 0, [], set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            requests += len(event.recorder.interactions)
            failures += _failures(event.recorder)
            tested.add(event.recorder.label)
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    elapsed = time.monotonic() - started
    print(f"schemathesis: {requests} requests to {len(operations)} operations in {elapsed:.1f}s")

    assert not failures, "\n".join(sorted(set(failures)))
    assert operations <= tested, operations - tested
    assert requests >= 200


def _failures(recorder) -> list[str]:
    found = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE:
                info = check.failure_info
                label = recorder.cases[case_id].value.operation.label
                found.append(
                    f"{label} {check.name}: {info.failure.title}\n  {info.failure.message}\n  {info.code_sample}"
                )
    return found
