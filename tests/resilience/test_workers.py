"""gunicorn's workers share the application their master loaded (preload_app): code imported once, not per worker."""

import re
import subprocess
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
