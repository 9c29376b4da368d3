"""Start and stop the local Stripe emulator (devtools.stripe_emulator) on a free port, for the tests and bench."""

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

    def _post(self, path: str, data: dict) -> dict:
        response = requests.post(f"{self.url}{path}", data=data, auth=(SECRET_KEY, ""), timeout=5)
        response.raise_for_status()
        return response.json()

    def delete_customer(self, customer_id: str) -> None:
        requests.delete(f"{self.url}/v1/customers/{customer_id}", auth=(SECRET_KEY, ""), timeout=5).raise_for_status()

    def set_charge_metadata(self, charge_id: str, **metadata: str) -> None:
        self._post(f"/v1/charges/{charge_id}", {f"metadata[{key}]": value for key, value in metadata.items()})

    def charge_again(self, charge: dict) -> str:
        """Make a second charge like `charge` (same customer, card and metadata), as a retried POST would."""
        data = {"amount": charge["amount"], "currency": charge["currency"], "customer": charge["customer"]}
        data |= {"source": charge["source"]["id"]} if charge.get("source") else {}
        data |= {f"metadata[{key}]": value for key, value in charge["metadata"].items()}
        return self._post("/v1/charges", data)["id"]

    def register_webhook(self, url: str, secret: str, name: str = "frameseller") -> None:
        response = requests.post(f"{self.url}/_config/webhooks/{name}", data={"url": url, "secret": secret}, timeout=5)
        response.raise_for_status()

    def payment_intents(self) -> list[dict]:
        return requests.get(f"{self.url}/v1/payment_intents", auth=(SECRET_KEY, ""), timeout=5).json()["data"]

    def authenticate(self, client_secret: str, success: bool) -> requests.Response:
        """Complete (or fail) a PaymentIntent's 3-D Secure challenge, as the fake Stripe.js does."""
        intent = client_secret.split("_secret_")[0]
        return requests.post(
            f"{self.url}/v1/payment_intents/{intent}/_authenticate?success={'true' if success else 'false'}",
            json={"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            timeout=5,
        )
