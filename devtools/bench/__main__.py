"""Benchmark the API as it runs in production, against a bare-Django peer, in one run.

    python -m devtools.bench [--seconds 5] [--rounds 3] [--output var/bench/latest.md]

Both servers run under gunicorn with the Procfile's configuration (DEBUG off,
MariaDB, Redis), on the same database and data. wrk drives them in interleaved
rounds; the table gives medians of the rounds (and their spread), p50/p99,
bytes per answer, server CPU per request, worker RSS, and the checkout path's
overhead over the same Stripe SDK calls made directly against the emulator.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devtools.bench.stall import stall, stall_line  # noqa: E402
from devtools.emulator_process import SECRET_KEY, StripeEmulator, free_port  # noqa: E402
from devtools.production import production_env  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "frameseller_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [self.process.pid, *map(int, children.split())]

    def cpu_seconds(self) -> float:
        """CPU time of the master, its live workers, and the workers it has reaped (recycled ones)."""
        total = 0
        for index, pid in enumerate(self.pids()):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
            if index == 0:
                total += int(fields[13]) + int(fields[14])  # cutime + cstime: reaped workers
        return total / CLOCK_TICKS

    def worker_memory_mb(self) -> list[tuple[float, float]]:
        """Each worker's resident memory and the part of it that is its own (not shared with the master)."""
        sizes = []
        for pid in self.pids()[1:]:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            kb = {name: int(size) for name, size in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
            sizes.append((kb["Rss"] / 1024, (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024))
        return sizes


def environment(emulator: StripeEmulator, var_dir: Path) -> dict[str, str]:
    return production_env(
        database=DATABASE,
        redis_url=REDIS_URL,
        stripe_url=emulator.url,
        var_dir=var_dir,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_LOG_LEVEL="warning",
    )


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; return the last line it printed."""
    return _run(env, "manage.py", *args)


def bench_data(env: dict[str, str], *args: str):
    """Run a command of devtools.bench.data in the servers' environment; return what it printed (JSON)."""
    return json.loads(_run(env, "-m", "devtools.bench.data", *args))


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return (done.stdout.strip().splitlines() or [""])[-1]


def start(name: str, env: dict[str, str], settings_module: str | None = None) -> tuple[Server, float]:
    """Start gunicorn as the Procfile does; return the server and its boot time in seconds."""
    port = free_port()
    (web,) = [line[4:].strip() for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")]
    server_env = {**env, "PORT": str(port)}
    if settings_module:
        server_env["DJANGO_SETTINGS_MODULE"] = settings_module
    started = time.monotonic()
    process = subprocess.Popen(
        ["bash", "-c", f"exec {web}"],
        cwd=ROOT,
        env=server_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited while starting")
        try:
            requests.get(f"{url}/api/product/", timeout=2)
            break
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: still starting
            time.sleep(0.05)
    return Server(name, url, process), time.monotonic() - started


def stop(server: Server) -> None:
    os.killpg(server.process.pid, signal.SIGTERM)
    server.process.wait(timeout=30)


def _ms(output: str, percentile: int) -> float:
    """Read a latency percentile from wrk's --latency output, in ms (NaN when nothing answered)."""
    match = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s)\b", output)
    if match is None:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(server: Server, path: str, *, connections: int, seconds: int, token: str | None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    command += ["-H", "Accept-Encoding: gzip"]
    if token:
        command += ["-H", f"Authorization: JWT {token}"]
    load = os.getloadavg()[0]
    cpu_before = server.cpu_seconds()
    output = subprocess.run([*command, server.url + path], capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    done = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(output, 50),
        "p99": _ms(output, 99),
        "cpu_ms": 1000 * cpu / max(done, 1),
        "errors": int(errors.group(1)) if errors else 0,
        "load": load,
    }


def answer_bytes(server: Server, path: str, token: str | None) -> int:
    headers = {"Accept-Encoding": "gzip", **({"Authorization": f"JWT {token}"} if token else {})}
    response = requests.get(server.url + path, headers=headers, stream=True, timeout=30)
    response.raise_for_status()
    return len(response.raw.read(decode_content=False))


def scenario(shop: Server, peer: Server, label: str, path: str, token, connections: int, args) -> dict:
    """Interleaved rounds of the same request against both servers; medians and spread."""
    runs = {"shop": [], "peer": []}
    for round_ in range(args.rounds):
        order = (shop, peer) if round_ % 2 == 0 else (peer, shop)
        for server in order:
            runs[server.name].append(wrk(server, path, connections=connections, seconds=args.seconds, token=token))
    result = {"label": label, "connections": connections}
    for name, server in (("shop", shop), ("peer", peer)):
        rounds = runs[name]
        rps = [r["rps"] for r in rounds]
        result[name] = {
            "rps": statistics.median(rps),
            "spread": (max(rps) - min(rps)) / statistics.median(rps) if min(rps) else 0,
            "p50": statistics.median(r["p50"] for r in rounds),
            "p99": statistics.median(r["p99"] for r in rounds),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds),
            "bytes": answer_bytes(server, path, token),
            "load": [round(r["load"], 2) for r in rounds],
        }
    result["ratio"] = result["shop"]["rps"] / result["peer"]["rps"]
    print(
        f"  {label}: shop {result['shop']['rps']:.0f} req/s, peer {result['peer']['rps']:.0f} req/s, "
        f"ratio {result['ratio']:.2f}",
        flush=True,
    )
    return result


def checkout_overhead(shop: Server, emulator: StripeEmulator, env: dict[str, str], purchases: int) -> dict:
    """Time `purchases` sequential checkouts through the shop and the same SDK calls made directly."""
    import stripe

    products = bench_data(env, "newest-products", "--count", str(purchases))
    token = bench_data(env, "checkout-shopper")
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": emulator.url}, max_network_retries=0)
    session = requests.Session()

    def through_shop(product_id: int, card: str) -> None:
        response = session.post(
            f"{shop.url}/api/order/",
            json={"token": card, "product": product_id},
            headers={"Authorization": f"JWT {token}"},
            timeout=60,
        )
        assert response.status_code == 201, response.text

    customer = client.v1.customers.create({"email": "direct@example.com"})

    def direct(product_id: int, card: str) -> None:
        source = client.v1.customers.payment_sources.create(customer.id, {"source": card})
        client.v1.charges.create(
            {
                "amount": 2000,
                "currency": "usd",
                "customer": customer.id,
                "source": source.id,
                "description": "FrameSeller photo",
                "metadata": {"order_id": str(product_id)},
            }
        )

    timings = {"shop": 0.0, "direct": 0.0}
    for index, product_id in enumerate(products):
        for name, buy in (("shop", through_shop), ("direct", direct))[:: 1 if index % 2 == 0 else -1]:
            card = emulator.card_token()
            started = time.perf_counter()
            buy(product_id, card)
            timings[name] += time.perf_counter() - started
    return {
        "purchases": len(products),
        "shop_ms": 1000 * timings["shop"] / len(products),
        "direct_ms": 1000 * timings["direct"] / len(products),
        "overhead": timings["shop"] / timings["direct"] - 1,
    }


def boot_seconds(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import frameseller.wsgi"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return time.monotonic() - started


def table(results: list[dict], rss: dict, boots: dict, checkout: dict, args) -> str:
    load = os.getloadavg()
    lines = [
        f"FrameSeller benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
        f"load average now {load[0]:.2f}; gunicorn from the Procfile (2 workers x 4 threads), DEBUG off, "
        f"MariaDB, Redis; wrk -t2, {args.rounds} interleaved rounds of {args.seconds} s, medians.",
        "",
        "| endpoint | conns | FrameSeller req/s (spread) | bare Django req/s (spread) | ratio | p50 / p99 ms "
        "(FS) | p50 / p99 ms (peer) | bytes FS / peer | CPU ms/req FS / peer | non-2xx | load per round |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, p = r["shop"], r["peer"]
        lines.append(
            f"| {r['label']} | {r['connections']} | {s['rps']:.0f} ({s['spread']:.0%}) | {p['rps']:.0f} "
            f"({p['spread']:.0%}) | **{r['ratio']:.2f}** | {s['p50']:.1f} / {s['p99']:.1f} | "
            f"{p['p50']:.1f} / {p['p99']:.1f} | {s['bytes']:,} / {p['bytes']:,} | {s['cpu_ms']:.2f} / "
            f"{p['cpu_ms']:.2f} | {s['errors']} / {p['errors']} | {s['load']} |"
        )
    lines += [
        "",
        f"Checkout: {checkout['purchases']} sequential purchases, {checkout['shop_ms']:.1f} ms through the shop "
        f"against {checkout['direct_ms']:.1f} ms for the same Stripe SDK calls made directly: "
        f"**{checkout['overhead']:+.0%}**.",
        f"Worker RSS after the benchmark (of which the worker's own, the rest shared with gunicorn's master): "
        f"FrameSeller {', '.join(f'{r:.0f} MB ({own:.0f})' for r, own in rss['shop'])}; "
        f"bare Django {', '.join(f'{r:.0f} MB ({own:.0f})' for r, own in rss['peer'])}.",
        f"Boot: importing the WSGI application takes {boots['import']:.2f} s; gunicorn answers "
        f"{boots['shop']:.2f} s after it starts (peer {boots['peer']:.2f} s).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--purchases", type=int, default=50)
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench" / "latest.md")
    args = parser.parse_args(argv)

    import MySQLdb

    connection = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", passwd="")
    connection.cursor().execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
    connection.cursor().execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True)
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    emulator = StripeEmulator(var_dir / "localstripe.pickle")
    emulator.start(from_scratch=True)
    env = environment(emulator, var_dir)
    servers = []
    try:
        print("Loading data (10 products; shoppers with 10, 1,000 and 10,000 orders)...", flush=True)
        manage(env, "migrate", "--noinput")
        tokens = {int(k): v for k, v in bench_data(env, "catalog", "--products", "10").items()}
        boots = {"import": boot_seconds(env)}
        shop, boots["shop"] = start("shop", env)
        peer, boots["peer"] = start("peer", env, "devtools.bench.peer_settings")
        servers = [shop, peer]
        results = [
            scenario(shop, peer, "GET /api/product/, 10 photos", "/api/product/", None, 16, args),
            scenario(shop, peer, "GET /api/order/, 10 orders", "/api/order/", tokens[10], 20, args),
            scenario(shop, peer, "GET /api/order/, 1,000 orders", "/api/order/", tokens[1000], 20, args),
            scenario(
                shop, peer, "GET /api/order/?limit=50, 10,000 orders", "/api/order/?limit=50", tokens[10000], 20, args
            ),
        ]
        bench_data(env, "more-products", "--start", "10", "--end", "1000")
        results.append(scenario(shop, peer, "GET /api/product/, 1,000 photos", "/api/product/", None, 16, args))
        print("Checkout overhead...", flush=True)
        checkout = checkout_overhead(shop, emulator, env, args.purchases)
        print("Stripe frozen...", flush=True)
        brownout = stall(shop.url, emulator, bench_data(env, "shoppers", "--count", "16"))
        rss = {"shop": shop.worker_memory_mb(), "peer": peer.worker_memory_mb()}
    finally:
        for server in servers:
            stop(server)
        emulator.stop()
    report = table(results, rss, boots, checkout, args) + stall_line(brownout) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print()
    print(report)
    print(f"(written to {args.output})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
