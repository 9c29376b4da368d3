"""`python -m deploy stripe-webhook`: the API's endpoint registered with Stripe, its secret stored.

Stripe is the local emulator (devtools.stripe_emulator, which serves /v1/webhook_endpoints as Stripe
documents them), Secrets Manager is moto's server.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests
import stripe
from django.conf import settings

from deploy import stripe_webhook
from deploy.__main__ import main
from devtools.emulator_process import SECRET_KEY
from orders.webhooks import _HANDLERS

API = "https://api.example.com"
SECRET = "frameseller/prod/STRIPE_WEBHOOK_SECRET"


@pytest.fixture
def emulator(stripe_emulator_process):
    if not stripe_emulator_process.running:
        stripe_emulator_process.start()
    stripe_emulator_process.flush()
    yield stripe_emulator_process
    for endpoint in endpoints(stripe_emulator_process):
        requests.delete(
            f"{stripe_emulator_process.url}/v1/webhook_endpoints/{endpoint['id']}", auth=(SECRET_KEY, ""), timeout=5
        )


@pytest.fixture
def secrets(s3_server, aws_env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET_KEY)
    client = boto3.client("secretsmanager", endpoint_url=s3_server, region_name="eu-west-1")
    yield client
    for name in (SECRET, "frameseller/staging/STRIPE_WEBHOOK_SECRET"):
        try:
            client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except client.exceptions.ResourceNotFoundException:
            pass


def endpoints(emulator) -> list[dict]:
    return requests.get(f"{emulator.url}/v1/webhook_endpoints", auth=(SECRET_KEY, ""), timeout=5).json()["data"]


def register(emulator, s3_server, *extra: str, api: str = API):
    args = ["stripe-webhook", "--api-url", api, "--region", "eu-west-1", "--endpoint-url", s3_server]
    return main([*args, "--stripe-api-base", emulator.url, *extra])


def test_the_endpoint_is_made_for_the_apis_url_and_its_secret_stored(emulator, secrets, s3_server, capsys):
    done = register(emulator, s3_server)

    (endpoint,) = endpoints(emulator)
    assert endpoint["url"] == "https://api.example.com/api/stripe/webhook/"
    assert sorted(endpoint["enabled_events"]) == sorted(_HANDLERS)
    assert endpoint["api_version"] == settings.STRIPE_API_VERSION
    assert "secret" not in endpoint  # Stripe shows it once, at creation
    stored = secrets.get_secret_value(SecretId=SECRET)
    assert stored["SecretString"].startswith("whsec_")
    assert done.created and done.secret_arn == stored["ARN"]
    assert f"STRIPE_WEBHOOK_SECRET: {stored['ARN']}" in capsys.readouterr().out


def test_running_it_again_updates_the_endpoint_and_keeps_the_secret(emulator, secrets, s3_server):
    first = register(emulator, s3_server)
    secret = secrets.get_secret_value(SecretId=SECRET)["SecretString"]
    requests.post(
        f"{emulator.url}/v1/webhook_endpoints/{first.endpoint_id}",
        data={"enabled_events[0]": "charge.succeeded", "disabled": "true"},
        auth=(SECRET_KEY, ""),
        timeout=5,
    ).raise_for_status()

    again = register(emulator, s3_server)

    (endpoint,) = endpoints(emulator)
    assert (again.endpoint_id, again.created) == (first.endpoint_id, False)
    assert sorted(endpoint["enabled_events"]) == sorted(_HANDLERS)
    assert endpoint["status"] == "enabled"
    assert secrets.get_secret_value(SecretId=SECRET)["SecretString"] == secret


def test_an_endpoint_whose_secret_is_not_stored_is_replaced_only_when_asked(emulator, secrets, s3_server):
    register(emulator, s3_server, "--secret-prefix", "frameseller/staging/")
    (by_hand,) = endpoints(emulator)

    with pytest.raises(SystemExit) as refused:
        register(emulator, s3_server)
    assert "its signing secret is not stored" in str(refused.value)
    assert "--replace" in str(refused.value)

    replaced = register(emulator, s3_server, "--replace")

    (endpoint,) = endpoints(emulator)
    assert endpoint["id"] == replaced.endpoint_id != by_hand["id"]
    assert secrets.get_secret_value(SecretId=SECRET)["SecretString"].startswith("whsec_")


def test_a_live_key_needs_an_https_endpoint(emulator, secrets, s3_server, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_example")

    with pytest.raises(SystemExit) as refused:
        register(emulator, s3_server, api="http://api.example.com")

    assert "HTTPS endpoints only" in str(refused.value)


def test_the_emulator_delivers_events_signed_with_the_stored_secret(emulator, secrets, s3_server):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = register(emulator, s3_server, api=f"http://127.0.0.1:{server.server_port}")
        secret = secrets.get_secret_value(SecretId=SECRET)["SecretString"]
        # localstripe raises no charge events; it does raise customer.created, for an endpoint taking it.
        emulator._post(f"/v1/webhook_endpoints/{done.endpoint_id}", {"enabled_events[0]": "customer.created"})
        emulator._post("/v1/customers", {"email": "buyer@example.com"})
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.shutdown()

    body, signature = received[0]
    event = stripe.Webhook.construct_event(body, signature, secret)
    assert event["type"] == "customer.created"
    assert json.loads(body)["data"]["object"]["email"] == "buyer@example.com"


def test_the_tool_asks_for_the_events_and_the_version_the_api_reads():
    assert set(stripe_webhook.ENABLED_EVENTS) == set(_HANDLERS)
    assert stripe_webhook.API_VERSION == settings.STRIPE_API_VERSION
