"""The production rehearsal (issue 18): the shop as docs/deploy.md deploys it, two instances behind a load balancer.

tests/rehearsal/conftest.py builds it. The tests run in order, the rolling restart last. Each one
points at a way a real deployment failed before issue 18:

1. photos on an instance's disk: every photo must come from S3 through either instance;
2. no s3:ListBucket in the instance policy: S3 answers 403 for a photo not there yet, the release fails;
3. thumbnails written where the CDN does not serve: every thumbnail and preview must load from the CDN;
4. no webhook endpoint or secret: the emulator's events, and a refund, must be applied;
6. a cache that is not shared: a login limit must hold across the instances.

It runs on the MariaDB leg of .ci/run (DATABASE_URL=mysql://…), or with REHEARSAL=1.
"""

import hashlib
import io
import json
import os
import re
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests

from deploy.distribution import MEDIA_PREFIXES
from devtools.emulator_process import SECRET_KEY
from tests.conftest import stripe_signature
from tests.rehearsal.conftest import ADMIN_PASSWORD, LOGIN_ATTEMPTS_ALLOWED, MEDIA, ORIGINALS

pytestmark = [
    pytest.mark.mysql,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("mysql") or os.environ.get("REHEARSAL") == "1"),
        reason="the production rehearsal runs on the MariaDB leg (DATABASE_URL=mysql://…) or with REHEARSAL=1",
    ),
]

PASSWORD = "correct horse battery staple"
# Purchases at once. An instance holds at most STRIPE_MAX_CONCURRENT_PURCHASES (2) per gunicorn worker
# waiting on Stripe, and gunicorn does not spread connections evenly over its workers: with one
# instance out of the load balancer, 3 at once sometimes met a full worker (503 payment_busy,
# nothing charged). 2 at once fit one instance, so what fails here is the deployment's doing.
STREAM_THREADS = 2
UPLOAD_BYTES = 20 * 1024 * 1024


def test_the_release_ran_on_the_leader_only_and_both_instances_serve(production):
    leader, other = production.instances

    # load_catalog (leader only) put the starter photos on S3, under the prefixes the CDN serves.
    media = production.aws.objects(MEDIA)
    assert media and {key.split("/")[0] + "/" for key in media} == set(MEDIA_PREFIXES)
    assert production.aws.objects(ORIGINALS)
    assert not (other.app / "var").exists() or not list((other.app / "var").rglob("*.jpg"))
    # The hooks ran as the platform runs them: the graceful stop's drop-in, the reconcile timer.
    for instance in production.instances:
        assert (
            "TimeoutStopSec=150" in (instance.root / "etc/systemd/system/web.service.d/graceful-stop.conf").read_text()
        )
        assert "enable --now frameseller-reconcile.timer" in (instance.root / "systemctl.calls").read_text()
        timer_env = (instance.root / "etc/frameseller/reconcile.env").read_text()
        assert f'STRIPE_WEBHOOK_SECRET="{production.webhook_secret}"' in timer_env, "the timer has no webhook secret"
        assert instance.healthy()
    print(f"\nrehearsal set-up: {json.dumps({k: round(v, 1) for k, v in production.timings.items()})}")


def test_a_shopper_browses_buys_downloads_and_gets_the_receipt(production):
    catalogs = [production.get("/api/product/") for _ in range(4)]  # round robin: both instances
    assert {c.status_code for c in catalogs} == {200}
    starters = [p for p in catalogs[0].json() if p["thumbnail_url"]]
    assert len(starters) >= 5
    # Every instance knows every photo (item 1: photos on one instance's disk).
    for instance in production.instances:
        for product in starters:
            answer = requests.get(
                f"{instance.url}/api/product/{product['id']}/", headers={"X-Forwarded-Proto": "https"}, timeout=10
            )
            assert answer.status_code == 200, (instance.name, product["id"])
    # Thumbnails and previews load from the CDN (item 3: written where the CDN serves them).
    cdn = f"{production.aws.url}/{MEDIA}/"
    for product in starters:
        for url in (product["thumbnail_url"], product["preview_url"]):
            assert url.startswith(cdn), url
            image = requests.get(url, timeout=10)
            assert image.status_code == 200, (url, image.status_code)
            assert image.content[:3] == b"\xff\xd8\xff"

    email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"
    signup = production.post(
        "/api/signup/", json={"first_name": "Grace", "last_name": "Hopper", "email": email, "password": PASSWORD}
    )
    assert signup.status_code == 201, signup.text
    login = production.post("/api/api-token-auth/", json={"username": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"JWT {login.json()['token']}"}

    bought = starters[0]
    order = production.post(
        "/api/order/",
        json={"token": production.emulator.card_token(), "product": bought["id"]},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]

    link = production.post(f"/api/order/{order_id}/download/", headers=auth)
    assert link.status_code == 200, link.text
    original = requests.get(link.json()["url"], timeout=30)
    assert original.status_code == 200, original.text[:300]
    assert urlsplit(link.json()["url"]).path.startswith(f"/{ORIGINALS}/")
    assert hashlib.sha256(original.content).hexdigest() == link.json()["sha256"]

    # The receipt goes out through the worker, to the SMTP server, with the shop's address.
    receipt = _wait(lambda: production.inbox.to(email), seconds=30, what="the receipt")[0]
    body = receipt.get_payload(decode=True) if not receipt.is_multipart() else receipt.get_payload(0).get_payload()
    assert "shop.example.com" in str(body)

    production.data["shopper"] = {"auth": auth, "order_id": order_id}


def test_the_emulators_events_reach_the_instances_through_the_load_balancer(production):
    """The endpoint `python -m deploy stripe-webhook` registered, signed with the secret the instances got (item 4)."""
    auth = (SECRET_KEY, "")
    method = requests.post(
        f"{production.emulator.url}/v1/payment_methods",
        data={"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
        | {"card[cvc]": "123"},
        auth=auth,
        timeout=10,
    ).json()
    intent = requests.post(
        f"{production.emulator.url}/v1/payment_intents",
        data={"amount": "1500", "currency": "usd", "payment_method": method["id"], "confirm": "true"},
        auth=auth,
        timeout=10,
    ).json()
    assert intent["status"] == "succeeded"

    recorded = _wait(
        lambda: production.query(
            "SELECT stripe_event_type FROM orders_paymentevent WHERE stripe_object_id = %s", intent["id"]
        ),
        seconds=20,
        what="the payment_intent.succeeded event applied",
    )
    assert recorded == [("payment_intent.succeeded",)]


def test_a_refund_webhook_revokes_the_download(production):
    shopper = production.data["shopper"]
    (charge_id,) = production.query("SELECT stripe_charge_id FROM orders_order WHERE id = %s", shopper["order_id"])[0]
    auth = (SECRET_KEY, "")
    refund = requests.post(f"{production.emulator.url}/v1/refunds", data={"charge": charge_id}, auth=auth, timeout=10)
    assert refund.ok, refund.text
    charge = requests.get(f"{production.emulator.url}/v1/charges/{charge_id}", auth=auth, timeout=10).json()
    # The emulator sends no charge.* events: this one is signed as Stripe signs it, with the registered secret.
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {"object": charge},
    }
    payload = json.dumps(event).encode()
    delivered = production.post(
        "/api/stripe/webhook/",
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, production.webhook_secret),
        },
    )
    assert delivered.status_code == 200, delivered.text

    for _ in production.instances:  # whichever instance answers
        again = production.post(f"/api/order/{shopper['order_id']}/download/", headers=shopper["auth"])
        assert again.status_code == 410, again.text
        assert again.json()["code"] == "download_revoked"


def test_a_login_limit_holds_across_the_instances(production):
    """The throttle counters live in Redis, shared by every worker of every instance (item 6)."""
    answers = [
        production.post(
            "/api/api-token-auth/", json={"username": "victim@example.com", "password": "guess"}
        ).status_code
        for _ in range(LOGIN_ATTEMPTS_ALLOWED + 1)
    ]

    assert answers == [400] * LOGIN_ATTEMPTS_ALLOWED + [429]


def test_an_admin_uploads_a_20_mb_photo_through_nginx(production):
    session = AdminSession(production.lb.url)
    session.login("admin@example.com", ADMIN_PASSWORD)
    photo = _large_jpeg(UPLOAD_BYTES)
    title = f"Uploaded {uuid.uuid4().hex[:6]}"

    added = session.post_form(
        "/admin/catalog/product/add/",
        fields={
            "title": title,
            "description": "A large photo, uploaded through both nginx tiers.",
            "price": "42.00",
            "currency": "usd",
            "on_sale": "on",
            "credit": "The rehearsal",
            "license": "CC0",
            "source_url": "",
        },
        files={"photo": ("large.jpg", photo, "image/jpeg")},
    )

    assert added.status_code == 302, added.text[:2000]
    found = _wait(
        lambda: [p for p in production.get("/api/product/", params={"q": title}).json() if p["title"] == title],
        seconds=30,
        what="the uploaded photo on sale",
    )
    for url in (found[0]["thumbnail_url"], found[0]["preview_url"]):
        assert requests.get(url, timeout=10).status_code == 200, url
    (size,) = production.query("SELECT original_bytes FROM catalog_product WHERE title = %s", title)[0]
    assert size == len(photo)


def test_the_reconcile_timer_runs_with_the_environment_its_hook_wrote(production):
    instance = production.instances[1]
    variables = dict(
        re.fullmatch(r'([A-Z_0-9]+)="(.*)"', line).groups()
        for line in (instance.root / "etc/frameseller/reconcile.env").read_text().splitlines()
    )
    env = {
        "PATH": instance.env["PATH"],
        **{k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in variables.items()},
    }

    done = instance.run("bash .platform/scripts/manage.sh reconcile_orders", env=env)

    assert done.returncode == 0, done.stdout + done.stderr


def test_a_rolling_restart_under_purchases_fails_and_doubles_none(production):
    stream = PurchaseStream(production)
    stream.start()
    try:
        time.sleep(2)
        began = time.monotonic()
        for instance in production.instances:
            others = [i for i in production.instances if i is not instance]
            # As a rolling deployment's batch of one: out of the load balancer, stopped gracefully, back in.
            production.lb.register(others)
            stop_gracefully(instance, "web")
            stop_gracefully(instance, "worker")
            instance.process_start("web")
            instance.process_start("worker")
            instance.wait_healthy()
            production.lb.register(production.instances)
        restart_seconds = time.monotonic() - began
        time.sleep(2)
    finally:
        stream.stop()

    outcomes = Counter(status for status, _ in stream.results)
    failed = [(status, body) for status, body in stream.results if status != 201]
    paid_orders = dict(
        production.query("SELECT id, stripe_charge_id FROM orders_order WHERE status IN ('PAID', 'REFUNDED')")
    )
    # The shop's charges (the emulator's own PaymentIntent, above, names no order).
    charges = [charge for charge in production.emulator.paid_charges() if charge["metadata"].get("order_id")]
    charge_ids = Counter(charge["id"] for charge in charges)
    per_order = Counter(charge["metadata"].get("order_id") for charge in charges)
    doubled = {order: n for order, n in per_order.items() if n > 1}
    print(
        f"\nrolling restart: {len(stream.results)} purchases in {stream.seconds:.1f} s, "
        f"restart {restart_seconds:.1f} s; answers {dict(outcomes)}; failed {len(failed)}; doubled {len(doubled)}"
    )
    assert len(stream.results) >= 20, "too few purchases to say anything"
    assert failed == []
    assert doubled == {}
    # Every paid charge is one order's, and every paid order has its charge.
    assert sorted(charge_ids) == sorted(paid_orders.values())
    assert production.query("SELECT COUNT(*) FROM orders_order WHERE status NOT IN ('PAID', 'REFUNDED')")[0][0] == 0


# --- Helpers -----------------------------------------------------------------------------------------------


def stop_gracefully(instance, name: str) -> None:
    """SIGTERM, as systemd stops the platform's web.service and worker.service: requests in flight finish."""
    process = instance.processes[name]
    process.terminate()
    process.wait(timeout=150)


class PurchaseStream:
    """Shoppers buying one photo after another through the load balancer, each with its own Idempotency-Key."""

    def __init__(self, production):
        self.production = production
        self.results: list[tuple[int, str]] = []
        self._stop = threading.Event()
        self._products = iter(production.data["products"])
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._shop, args=(n,)) for n in range(STREAM_THREADS)]
        self.seconds = 0.0

    def start(self) -> None:
        self._began = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=180)
        self.seconds = time.monotonic() - self._began

    def _shop(self, n: int) -> None:
        tokens = self.production.data["tokens"][n::STREAM_THREADS]
        turn = 0
        while not self._stop.is_set():
            with self._lock:
                product = next(self._products, None)
            if product is None:
                return
            token = tokens[turn % len(tokens)]
            turn += 1
            try:
                card = self.production.emulator.card_token()
                answer = self.production.post(
                    "/api/order/",
                    json={"token": card, "product": product},
                    headers={"Authorization": f"JWT {token}", "Idempotency-Key": uuid.uuid4().hex},
                )
                self.results.append((answer.status_code, answer.text[:300]))
            except requests.RequestException as error:
                self.results.append((0, repr(error)))


class AdminSession:
    """A browser in the admin: its cookies (Secure, behind HTTPS), the CSRF token, the Referer."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def _headers(self, path: str) -> dict:
        return {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            # The public address, on 443 (nginx on the instance passes $host, without the port).
            "Referer": f"https://{urlsplit(self.base).hostname}{path}",
            "X-Forwarded-Proto": "https",
        }

    def _keep(self, response: requests.Response) -> requests.Response:
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path: str) -> requests.Response:
        return self._keep(
            requests.get(self.base + path, headers=self._headers(path), allow_redirects=False, timeout=30)
        )

    def csrf(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    def post_form(self, path: str, fields: dict, files: dict | None = None) -> requests.Response:
        data = {**fields, "csrfmiddlewaretoken": self.csrf(path)}
        return self._keep(
            requests.post(
                self.base + path,
                data=data,
                files=files,
                headers=self._headers(path),
                allow_redirects=False,
                timeout=120,
            )
        )

    def login(self, email: str, password: str) -> None:
        answer = self.post_form("/admin/login/?next=/admin/", {"username": email, "password": password})
        assert answer.status_code == 302, answer.text[:2000]
        assert "sessionid" in self.cookies


def _large_jpeg(at_least: int) -> bytes:
    from PIL import Image

    width, height = 4600, 3200
    while True:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=98)
        if out.tell() >= at_least:
            return out.getvalue()
        height += 400


def _wait(check, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.3)
