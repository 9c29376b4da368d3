"""The Stripe brownout, measured: the emulator frozen with checkouts waiting on it, the rest of the shop timed."""

import signal
import statistics
import threading
import time

import requests

from devtools.bench.data import PASSWORD


def _p99_ms(samples: list[float]) -> float:
    return 1000 * statistics.quantiles(samples, n=100, method="inclusive")[98]


def stall(shop_url: str, emulator, shoppers: dict, *, probes: int = 60) -> dict:
    """Freeze the emulator, send a checkout per shopper at once, time health, catalog and login while they wait.

    `shoppers` is what devtools.bench.data's `shoppers` command printed: their tokens, products to buy.
    """
    checkouts = len(shoppers["tokens"])
    cards = [emulator.card_token() for _ in range(checkouts)]
    answers: list[tuple[float, int]] = []

    def checkout(index: int) -> None:
        started = time.perf_counter()
        response = requests.post(
            f"{shop_url}/api/order/",
            json={"token": cards[index], "product": shoppers["products"][index]},
            headers={"Authorization": f"JWT {shoppers['tokens'][index]}"},
            timeout=120,
        )
        answers.append((time.perf_counter() - started, response.status_code))

    timings = {"health": [], "catalog": [], "login": []}
    session = requests.Session()
    emulator.process.send_signal(signal.SIGSTOP)
    try:
        threads = [threading.Thread(target=checkout, args=(i,)) for i in range(checkouts)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        for _ in range(probes):
            for name, method, path, body in (
                ("health", "GET", "/api/health/", None),
                ("catalog", "GET", "/api/product/", None),
                (
                    "login",
                    "POST",
                    "/api/api-token-auth/",
                    {"username": "stall0@example.com", "password": PASSWORD},
                ),
            ):
                started = time.perf_counter()
                session.request(method, shop_url + path, json=body, timeout=30).raise_for_status()
                timings[name].append(time.perf_counter() - started)
        waiting = sum(thread.is_alive() for thread in threads)
    finally:
        emulator.process.send_signal(signal.SIGCONT)
    for thread in threads:
        thread.join(120)
    refused = [seconds for seconds, status in answers if status == 503 and seconds < 1.0]
    return {
        "checkouts": checkouts,
        "waiting": waiting,
        "refused_fast": len(refused),
        **{f"{name}_p99": _p99_ms(samples) for name, samples in timings.items()},
    }


def stall_line(result: dict) -> str:
    return (
        f"Stripe frozen (SIGSTOP) with {result['checkouts']} checkouts sent at once: p99 health "
        f"{result['health_p99']:.0f} ms, catalog {result['catalog_p99']:.0f} ms, login {result['login_p99']:.0f} ms "
        f"(goal: under 200 ms); {result['waiting']} checkouts waited on Stripe, {result['refused_fast']} were "
        f"refused at once (503, nothing charged)."
    )
