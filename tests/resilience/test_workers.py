"""gunicorn's workers share the application their master loaded (preload_app): code imported once, not per worker."""

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests


def _memory_kb(pid: int) -> dict[str, int]:
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return {name: int(size) for name, size in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}


def test_the_workers_share_the_application_the_master_imported(production_shop):
    for path in ("/api/product/", "/api/health/", "/api/order/"):
        requests.get(f"{production_shop.url}{path}", timeout=10)
    workers = subprocess.run(["pgrep", "-P", str(production_shop.pid)], capture_output=True, text=True).stdout.split()
    assert workers

    for pid in map(int, workers):
        memory = _memory_kb(pid)
        # Pages the master wrote before forking (Django, DRF, the views, Stripe's SDK: over 40 MB) and
        # that this worker reads without copying. A worker that imported them itself shares 5 MB.
        assert memory["Shared_Dirty"] > 20 * 1024, memory


def test_logins_leave_no_password_hashing_memory_behind(production_shop):
    """Argon2id takes 19 MiB a hash: freed, it goes back to the system (gunicorn.conf.py), not to a worker's heap."""
    email = "shopper0@example.com"
    workers = [
        int(pid)
        for pid in subprocess.run(
            ["pgrep", "-P", str(production_shop.pid)], capture_output=True, text=True
        ).stdout.split()
    ]

    def logins() -> None:
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda _: (
                        requests.post(
                            f"{production_shop.url}/api/api-token-auth/",
                            json={"username": email, "password": "correct horse battery staple"},
                            timeout=30,
                        ).status_code
                    ),
                    range(16),
                )
            )
        assert answers == [200] * 16

    logins()  # whatever a first round of logins loads for good
    before = sum(_memory_kb(pid)["Rss"] for pid in workers)
    logins()
    logins()
    grown = sum(_memory_kb(pid)["Rss"] for pid in workers) - before

    # With glibc's default, blocks freed after the first hash stayed in the heap: 40 MB more a worker.
    assert grown < 10 * 1024, f"the workers grew by {grown // 1024} MB"


CHANGE_PASSWORD = """
from accounts.models import User
user = User.objects.get(email="shopper1@example.com")
user.set_password("another passphrase altogether")
user.save()
"""


def test_a_password_changed_elsewhere_ends_the_token_in_every_worker_at_once(production_shop):
    """The token's user is kept in Redis by both workers; a change made by another process ends it for all."""
    token = production_shop.data["tokens"][1]
    headers = {"Authorization": f"JWT {token}"}
    # Enough requests, each on a new connection, that both workers have read and kept the user.
    for _ in range(20):
        assert requests.get(f"{production_shop.url}/api/order/", headers=headers, timeout=10).status_code == 200

    production_shop.manage("shell", "-c", CHANGE_PASSWORD)  # as the admin or a reset would, from elsewhere

    answers = [requests.get(f"{production_shop.url}/api/order/", headers=headers, timeout=10) for _ in range(20)]
    assert {answer.status_code for answer in answers} == {403}
