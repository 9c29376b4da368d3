"""Register the API's Stripe webhook endpoint and keep its signing secret as an environment secret.

Stripe returns an endpoint's signing secret (whsec_…) only when it creates the endpoint. So:

- no endpoint for the URL: create one (the events the API handles, the API version it reads) and
  store its secret in Secrets Manager as <prefix>STRIPE_WEBHOOK_SECRET, the environment secret
  Beanstalk hands the application (docs/deploy.md, step 3);
- an endpoint, its secret stored: update its events and enable it; the secret stays;
- an endpoint whose secret is not stored (made by hand), or made for another API version: refused,
  unless --replace: a new endpoint is made and stored first, then the old one deleted.

Stripe is reached with STRIPE_SECRET_KEY from the environment (never an argument: shell history).
"""

from collections.abc import Callable
from dataclasses import dataclass

import boto3
import stripe

# The version the API is pinned to (settings.STRIPE_API_VERSION): events are rendered in the
# endpoint's version. The events the API handles (orders.webhooks). tests/deploy/test_stripe_webhook.py
# holds both to the application's.
API_VERSION = "2026-10-28.endive"
ENABLED_EVENTS = (
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.closed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
)
WEBHOOK_PATH = "/api/stripe/webhook/"
SECRET_NAME = "STRIPE_WEBHOOK_SECRET"

Log = Callable[[str], None]


class WebhookRefused(RuntimeError):
    """The endpoint cannot be registered as asked; the message says what to do."""


@dataclass(frozen=True)
class Registered:
    endpoint_id: str
    url: str
    created: bool
    secret_arn: str


def webhook_url(api_url: str) -> str:
    return api_url.rstrip("/") + WEBHOOK_PATH


def webhook_register(
    *,
    api_url: str,
    stripe_key: str,
    secret_prefix: str,
    stripe_api_base: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    replace: bool = False,
    log: Log = print,
) -> Registered:
    """Create or update the endpoint for `api_url`; store a new endpoint's secret; return what was done."""
    url = webhook_url(api_url)
    if stripe_key.startswith("sk_live_") and not url.startswith("https://"):
        raise WebhookRefused("Stripe sends live events to HTTPS endpoints only: give an https:// --api-url.")
    endpoints = _stripe(stripe_key, stripe_api_base).v1.webhook_endpoints
    secrets = boto3.session.Session().client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    name = secret_prefix + SECRET_NAME
    stored_arn = _secret_arn(secrets, name)
    existing = [endpoint for endpoint in _all(endpoints) if endpoint.url == url]

    reusable = [e for e in existing if e.api_version in (None, API_VERSION)]
    if existing and stored_arn and reusable and not replace:
        endpoint = reusable[0]
        endpoints.update(endpoint.id, {"enabled_events": list(ENABLED_EVENTS), "disabled": False})
        log(f"updated Stripe webhook endpoint {endpoint.id} for {url}; its secret stays in {name}")
        return Registered(endpoint.id, url, created=False, secret_arn=stored_arn)
    if existing and not replace:
        why = "its signing secret is not stored" if not stored_arn else "it reads another API version"
        raise WebhookRefused(
            f"Stripe already has an endpoint for {url} ({', '.join(e.id for e in existing)}), but {why} "
            f"(Stripe shows the secret only once). Add --replace to make a new one and delete the old."
        )

    created = endpoints.create(
        {
            "url": url,
            "enabled_events": list(ENABLED_EVENTS),
            "api_version": API_VERSION,
            "description": "FrameSeller API",
        }
    )
    arn = _secret_store(secrets, name, created.secret, exists=bool(stored_arn))
    log(f"created Stripe webhook endpoint {created.id} for {url}; its secret is in {name}")
    for old in existing:
        endpoints.delete(old.id)
        log(f"deleted the former endpoint {old.id}")
    return Registered(created.id, url, created=True, secret_arn=arn)


def _stripe(key: str, api_base: str | None) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        stripe_version=API_VERSION,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=2,
    )


def _all(endpoints):
    params = {"limit": 100}
    while True:
        page = endpoints.list(params)
        yield from page.data
        if not page.has_more:
            return
        params["starting_after"] = page.data[-1].id


def _secret_arn(client, name: str) -> str | None:
    try:
        return client.describe_secret(SecretId=name)["ARN"]
    except client.exceptions.ResourceNotFoundException:
        return None


def _secret_store(client, name: str, value: str, *, exists: bool) -> str:
    if exists:
        return client.put_secret_value(SecretId=name, SecretString=value)["ARN"]
    made = client.create_secret(Name=name, SecretString=value, Description="FrameSeller: Stripe webhook signing secret")
    return made["ARN"]
