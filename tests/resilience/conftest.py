"""The shop as it runs in production: gunicorn from the Procfile, DEBUG off, MariaDB, Redis, its own Stripe emulator."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from devtools.emulator_process import StripeEmulator, free_port
from devtools.production import production_env
from tests.mariadb import fresh_database
from tests.resilience.freezing_proxy import FreezingProxy, freezer

ROOT = Path(__file__).resolve().parents[2]
# Another Redis database than the suite's own (RESILIENCE_REDIS_DB to move it).
REDIS_DB = int(os.environ.get("RESILIENCE_REDIS_DB", "11"))


@dataclass
class Shop:
    url: str
    emulator: StripeEmulator
    proxy: FreezingProxy
    env: dict[str, str]
    data: dict = field(default_factory=dict)
    pid: int = 0  # gunicorn's master

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def orders(self) -> dict[int, tuple[str, str]]:
        """Return {order id: (status, charge id)} for every order in the shop's database."""
        rows = json.loads(self.manage("shell", "-c", ORDERS_DATA).strip().splitlines()[-1])
        return {int(pk): tuple(row) for pk, row in rows.items()}


@pytest.fixture(scope="package")
def mariadb_database():
    with fresh_database("frameseller_resilience") as name:
        yield name


SETUP_DATA = """
import json
from decimal import Decimal
from accounts.models import User
from accounts.services import user_token_issue
from catalog.models import Product
products = [Product.objects.create(title=f"Photo {i}", description="A photo", price=Decimal("20.00"),
                                   currency="usd") for i in range(20)]
users = [User.objects.create_user(email=f"shopper{i}@example.com", password="correct horse battery staple",
                                  first_name="Ada", last_name="Lovelace") for i in range(20)]
print(json.dumps({"products": [p.pk for p in products], "tokens": [user_token_issue(user=u) for u in users]}))
"""

ORDERS_DATA = """
import json
from orders.models import Order
print(json.dumps({o.pk: [o.status, o.stripe_charge_id] for o in Order.objects.all()}))
"""


@pytest.fixture(scope="package")
def production_shop(mariadb_database, tmp_path_factory):
    """Start the shop as the Procfile does, against MariaDB, Redis and a Stripe emulator of its own."""
    emulator = StripeEmulator(tmp_path_factory.mktemp("stall-localstripe") / "state.pickle")
    emulator.start(from_scratch=True)
    # The shop reaches Stripe through a proxy that can freeze the emulator at a chosen request.
    proxy = FreezingProxy(emulator.port, freezer(emulator.process))
    port = free_port()
    env = production_env(
        database=mariadb_database,
        redis_url=f"redis://127.0.0.1:6379/{REDIS_DB}",
        stripe_url=proxy.url,
        var_dir=tmp_path_factory.mktemp("stall-var"),
        # A short timeout keeps the test short; the bulkhead, not the timeout, keeps threads free.
        STRIPE_TIMEOUT_SECONDS="4",
        FRAMESELLER_INSTALLATION="fs-resilience",
        PORT=str(port),
    )
    shop = Shop(url=f"http://127.0.0.1:{port}", emulator=emulator, env=env, proxy=proxy)
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True)
    shop.manage("migrate", "--noinput")
    shop.data = json.loads(shop.manage("shell", "-c", SETUP_DATA).strip().splitlines()[-1])
    (web,) = [
        line.split(":", 1)[1].strip() for line in (ROOT / "Procfile").read_text().splitlines() if line[:4] == "web:"
    ]
    server = subprocess.Popen(
        ["bash", "-c", f"exec {web}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    shop.pid = server.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                requests.get(f"{shop.url}/api/health/", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # a busy machine: still starting
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
        yield shop
    finally:
        if emulator.process is not None:
            emulator.process.send_signal(signal.SIGCONT)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()
        emulator.stop()
        proxy.close()
