"""Start and stop the local Stripe emulator (devtools.stripe_emulator) for the tests, on a free port."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

SECRET_KEY = "sk_test_frameseller_tests"
PUBLISHABLE_KEY = "pk_test_frameseller_tests"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StripeEmulator:
    """A localstripe process the tests can stop and start again (state kept on disk)."""

    def __init__(self, state_file: Path):
        self.state_file = state_file
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, from_scratch: bool = False) -> None:
        args = [sys.executable, "-m", "devtools.stripe_emulator", "--port", str(self.port)]
        args += ["--state", str(self.state_file)] + (["--from-scratch"] if from_scratch else [])
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Stripe emulator exited: " + self.process.stderr.read().decode())
            try:
                requests.get(f"{self.url}/js.stripe.com/v3/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("Stripe emulator did not start in 20 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def flush(self) -> None:
        requests.delete(f"{self.url}/_config/data", timeout=5).raise_for_status()

    def card_token(self, number: str = "4242424242424242") -> str:
        """Make a card token the way Stripe.js does in the browser (with the publishable key)."""
        response = requests.post(
            f"{self.url}/v1/tokens",
            data={
                "key": PUBLISHABLE_KEY,
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
            },
            timeout=5,
        )
        response.raise_for_status()
        return response.json()["id"]

    def charges(self) -> list[dict]:
        """Return every charge the emulator holds, paid or not."""
        out, after = [], None
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = requests.get(f"{self.url}/v1/charges", params=params, auth=(SECRET_KEY, ""), timeout=5).json()
            out += page["data"]
            if not page.get("has_more"):
                return out
            after = page["data"][-1]["id"]

    def paid_charges(self) -> list[dict]:
        return [c for c in self.charges() if c["status"] == "succeeded"]
