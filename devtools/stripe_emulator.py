"""Run localstripe, the local Stripe emulator, for development and tests.

    python -m devtools.stripe_emulator [--port 8420] [--state var/localstripe.pickle] [--from-scratch]

Two things differ from running `localstripe` directly:

* its state lives in a file of our choosing (default: the project's ignored
  `var/` folder) instead of a fixed path in the system's temp folder, so two
  checkouts or test runs don't share or clobber each other's data;
* its fake Stripe.js is also served wrapped in a function scope at
  `/js.stripe.com/v3/wrapped.js`: the original declares a global `class Element`
  that shadows the browser's own and breaks Bootstrap.  The script finds the
  API's address from its own URL, so it must be served from the emulator.  Its
  3-D Secure dialog (confirmCardPayment) is replaced by an accessible one, as
  real Stripe.js's challenge is: a modal dialog above Bootstrap's, in view
  wherever the page is scrolled, that takes focus, keeps Tab inside it, is
  cancelled by Escape (authentication fails), and gives focus back as it closes;
* it knows disputes, which localstripe lacks: `GET` and `POST /v1/disputes/{id}` (retrieve, and
  update with `evidence[...]` and `submit`) as Stripe documents them, and, for tests and local
  runs only, `POST /_config/disputes` with `charge=ch_…` (optional `reason`, `amount`,
  `due_in_seconds`) opens a dispute on a charge and sends `charge.dispute.created` to the webhooks;
* it knows Stripe's webhook endpoints (/v1/webhook_endpoints, which localstripe lacks), as
  `python -m deploy stripe-webhook` calls them: each endpoint created gets a signing secret and
  is registered with localstripe's webhook delivery, so events reach it signed with that secret.
"""

import argparse
import logging
import os
import pickle
import secrets
import socket
import time
from pathlib import Path

from aiohttp import web
from localstripe import resources, server, webhooks
from localstripe.errors import UserError

DEFAULT_STATE = Path(__file__).resolve().parent.parent / "var" / "localstripe.pickle"


def _use_state_file(path: Path) -> None:
    """Point localstripe's store at `path` instead of /tmp/localstripe.pickle."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def try_load_from_disk(store):
        try:
            with open(path, "rb") as f:
                old = pickle.load(f)  # noqa: S301 - our own file, written below
        except (FileNotFoundError, EOFError):
            return
        store.clear()
        store.update(old)

    def dump_to_disk(store):
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    resources.Store.try_load_from_disk = try_load_from_disk
    resources.Store.dump_to_disk = dump_to_disk


# localstripe's challenge (its openModal()) is a box of two buttons at the top of the document: no
# dialog role or name, out of sight on a scrolled page, focus neither kept nor given back.  This one
# takes its place (same arguments, resolves true to complete, false to fail).
ACCESSIBLE_CHALLENGE = r"""
function openModal(text, confirmText, cancelText) {
  return new Promise(resolve => {
    const opener = document.activeElement;
    const box = document.createElement('div'),
          title = document.createElement('h2'),
          p = document.createElement('p'),
          confirm = document.createElement('button'),
          cancel = document.createElement('button');
    const id = 'localstripe-challenge-' + Date.now();
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', id);
    title.id = id;
    const [heading, ...rest] = text.split('\n');
    title.textContent = heading.replace('3D Secure', '3-D Secure');
    p.textContent = rest.join(' ');
    confirm.type = cancel.type = 'button';
    confirm.textContent = confirmText;
    cancel.textContent = cancelText;
    box.append(title, p, confirm, cancel);
    Object.assign(box.style, {
      position: 'fixed', top: '50%', left: '50%', transform: 'translate(-50%, -50%)',
      width: 'min(300px, calc(100vw - 2rem))', padding: '10px 20px', border: '3px solid #6c757d',
      background: '#fff', color: '#212529', 'text-align': 'center', 'z-index': '2000',
    });
    Object.assign(title.style, { 'font-size': '1.25rem', margin: '0.5rem 0' });
    for (const button of [confirm, cancel]) {
      Object.assign(button.style, { margin: '0.25rem', padding: '0.375rem 0.75rem' });
    }
    function close(success) {
      document.removeEventListener('focusin', keepFocus, true);
      box.remove();
      if (opener && document.body.contains(opener)) {
        opener.focus();
      }
      resolve(success);
    }
    // Focus stays in the challenge while it is open (as an iframe's modal keeps it).
    function keepFocus(event) {
      if (!box.contains(event.target)) {
        event.stopImmediatePropagation();
        confirm.focus();
      }
    }
    box.addEventListener('keydown', event => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close(false);
      } else if (event.key === 'Tab') {
        event.preventDefault();
        (document.activeElement === confirm ? cancel : confirm).focus();
      }
    });
    confirm.addEventListener('click', () => close(true));
    cancel.addEventListener('click', () => close(false));
    document.body.appendChild(box);
    document.addEventListener('focusin', keepFocus, true);
    confirm.focus();
  });
}
"""


def wrapped_stripe_js() -> str:
    """Return localstripe's Stripe.js inside a function scope, with an accessible 3-D Secure challenge."""
    source = (Path(resources.__file__).parent / "localstripe-v3.js").read_text(encoding="utf-8")
    start = source.find("function openModal(")
    end = source.find("\nclass Element", start)
    if start != -1 and end != -1:
        source = source[:start] + ACCESSIBLE_CHALLENGE.strip() + "\n" + source[end:]
    return "(function () {\n" + source + "\n}).call(window);\n"


def _add_wrapped_js_route(app: web.Application) -> None:
    body = wrapped_stripe_js()

    async def handler(request):
        return web.Response(text=body, content_type="application/javascript")

    app.router.add_get("/js.stripe.com/v3/wrapped.js", handler)


# --- Webhook endpoints, as Stripe documents them ("Webhook Endpoints" in the API reference) ---------

_ENDPOINT = "webhook_endpoint:"  # their keys in localstripe's store, which is saved with the rest
_UPDATABLE = ("url", "enabled_events", "description", "metadata", "disabled")


def _endpoints() -> list[dict]:
    return sorted(
        (value for key, value in resources.store.items() if key.startswith(_ENDPOINT)), key=lambda e: e["created"]
    )


def _endpoint(request) -> dict:
    found = resources.store.get(_ENDPOINT + request.match_info["id"])
    if found is None:
        raise UserError(404, f"No such webhook endpoint: '{request.match_info['id']}'")
    return found


def _deliver_to(endpoint: dict) -> None:
    """Register (or drop) the endpoint with localstripe's webhook delivery, signed with its secret."""
    if endpoint["status"] == "enabled":
        events = None if "*" in endpoint["enabled_events"] else list(endpoint["enabled_events"])
        webhooks.register_webhook(endpoint["id"], endpoint["url"], endpoint["_secret"], events)
    else:
        webhooks._webhooks.pop(endpoint["id"], None)


def _public(endpoint: dict, *, with_secret: bool = False) -> dict:
    shown = {key: value for key, value in endpoint.items() if not key.startswith("_")}
    if with_secret:  # Stripe returns the secret when the endpoint is created, never after
        shown["secret"] = endpoint["_secret"]
    return shown


def _events(value) -> list[str]:
    if isinstance(value, dict):  # enabled_events[0]=…, unflattened by localstripe
        value = [value[index] for index in sorted(value, key=int)]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise UserError(400, "enabled_events must be a non-empty list of event types")
    return value


async def _create_endpoint(request):
    data = await server.get_post_data(request) or {}
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise UserError(400, "url must be an http(s) URL")
    endpoint = {
        "id": "we_" + resources.random_id(24),
        "object": "webhook_endpoint",
        "api_version": data.get("api_version"),
        "application": None,
        "created": int(time.time()),
        "description": data.get("description"),
        "enabled_events": _events(data.get("enabled_events")),
        "livemode": False,
        "metadata": data.get("metadata") or {},
        "status": "enabled",
        "url": url,
        "_secret": "whsec_" + secrets.token_urlsafe(24),
    }
    resources.store[_ENDPOINT + endpoint["id"]] = endpoint
    _deliver_to(endpoint)
    return web.json_response(_public(endpoint, with_secret=True))


async def _list_endpoints(request):
    found = [_public(endpoint) for endpoint in _endpoints()]
    after = request.query.get("starting_after")
    if after:
        ids = [endpoint["id"] for endpoint in found]
        found = found[ids.index(after) + 1 :] if after in ids else []
    limit = int(request.query.get("limit", 10))
    return web.json_response(
        {"object": "list", "url": "/v1/webhook_endpoints", "has_more": len(found) > limit, "data": found[:limit]}
    )


async def _retrieve_endpoint(request):
    return web.json_response(_public(_endpoint(request)))


async def _update_endpoint(request):
    endpoint = _endpoint(request)
    data = await server.get_post_data(request) or {}
    for key in _UPDATABLE:
        if key not in data:
            continue
        if key == "enabled_events":
            endpoint[key] = _events(data[key])
        elif key == "disabled":
            endpoint["status"] = "disabled" if str(data[key]).lower() == "true" else "enabled"
        else:
            endpoint[key] = data[key]
    _deliver_to(endpoint)
    return web.json_response(_public(endpoint))


async def _delete_endpoint(request):
    endpoint = _endpoint(request)
    del resources.store[_ENDPOINT + endpoint["id"]]
    webhooks._webhooks.pop(endpoint["id"], None)
    return web.json_response({"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True})


def _add_webhook_endpoint_routes(app: web.Application) -> None:
    app.router.add_post("/v1/webhook_endpoints", _create_endpoint)
    app.router.add_get("/v1/webhook_endpoints", _list_endpoints)
    app.router.add_get("/v1/webhook_endpoints/{id}", _retrieve_endpoint)
    app.router.add_post("/v1/webhook_endpoints/{id}", _update_endpoint)
    app.router.add_delete("/v1/webhook_endpoints/{id}", _delete_endpoint)


# --- Disputes, as Stripe documents them ("Disputes" in the API reference) -----------------------------

_DISPUTE = "dispute:"
# The evidence object's fields (all optional). The text ones take a string, the others a file id.
EVIDENCE_TEXT_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_tracking_number",
    "uncategorized_text",
)
EVIDENCE_FILE_FIELDS = (
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized_file",
)
_EVIDENCE_TEXT_MAX = 20_000
_OPEN = ("needs_response", "warning_needs_response")


class _Exported:
    """What localstripe's Event wants of an object: its `_export()`."""

    def __init__(self, data: dict):
        self._data = data

    def _export(self, expand=None) -> dict:
        return self._data


def _dispute(request) -> dict:
    found = resources.store.get(_DISPUTE + request.match_info["id"])
    if found is None:
        raise UserError(404, f"No such dispute: '{request.match_info['id']}'")
    return found


def _announce(event_type: str, dispute: dict) -> None:
    webhooks.schedule_webhook(resources.Event(event_type, _Exported(dict(dispute))))


async def _create_dispute(request):
    """Open a dispute on a charge, as a cardholder's bank would (test and local use only)."""
    data = await server.get_post_data(request) or {}
    charge = resources.store.get("charge:" + str(data.get("charge", "")))
    if charge is None:
        raise UserError(404, f"No such charge: '{data.get('charge')}'")
    now = int(time.time())
    dispute = {
        "id": "dp_" + resources.random_id(24),
        "object": "dispute",
        "amount": int(data.get("amount", charge.amount)),
        "balance_transactions": [],
        "charge": charge.id,
        "created": now,
        "currency": charge.currency,
        "evidence": dict.fromkeys(EVIDENCE_TEXT_FIELDS + EVIDENCE_FILE_FIELDS),
        "evidence_details": {
            "due_by": now + int(data.get("due_in_seconds", 7 * 24 * 3600)),
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge.payment_intent,
        "reason": data.get("reason", "fraudulent"),
        "status": "needs_response",
    }
    resources.store[_DISPUTE + dispute["id"]] = dispute
    _announce("charge.dispute.created", dispute)
    return web.json_response(dispute)


async def _retrieve_dispute(request):
    return web.json_response(_dispute(request))


async def _update_dispute(request):
    """Stage evidence, or submit it (`submit`, true unless said otherwise), while the dispute needs a response."""
    dispute = _dispute(request)
    data = await server.get_post_data(request) or {}
    unknown = set(data) - {"evidence", "metadata", "submit"}
    if unknown:
        raise UserError(400, f"Received unknown parameter: {sorted(unknown)[0]}")
    evidence = data.get("evidence") or {}
    if not isinstance(evidence, dict):
        raise UserError(400, "evidence must be an object")
    for field, value in evidence.items():
        if field not in EVIDENCE_TEXT_FIELDS + EVIDENCE_FILE_FIELDS:
            raise UserError(400, f"Received unknown parameter: evidence[{field}]")
        if field in EVIDENCE_TEXT_FIELDS and len(str(value)) > _EVIDENCE_TEXT_MAX:
            raise UserError(400, f"evidence[{field}] is longer than {_EVIDENCE_TEXT_MAX} characters")
    details = dispute["evidence_details"]
    if dispute["status"] not in _OPEN:
        raise UserError(400, f"This dispute is {dispute['status']}: its evidence can no longer be changed.")
    if details["due_by"] <= time.time():
        details["past_due"] = True
        raise UserError(400, "The evidence for this dispute was due and can no longer be submitted.")
    dispute["evidence"].update({field: str(value) for field, value in evidence.items()})
    dispute["metadata"].update(data.get("metadata") or {})
    details["has_evidence"] = any(dispute["evidence"].values())
    if str(data.get("submit", "true")).lower() != "false":
        details["submission_count"] += 1
        dispute["status"] = "under_review" if dispute["status"] == "needs_response" else "warning_under_review"
    resources.store[_DISPUTE + dispute["id"]] = dispute  # stored again, so that the state file keeps it
    _announce("charge.dispute.updated", dispute)
    return web.json_response(dispute)


def _add_dispute_routes(app: web.Application) -> None:
    app.router.add_post("/_config/disputes", _create_dispute)
    app.router.add_get("/v1/disputes/{id}", _retrieve_dispute)
    app.router.add_post("/v1/disputes/{id}", _update_dispute)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("STRIPE_EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STRIPE_EMULATOR_PORT", "8420")))
    parser.add_argument("--state", type=Path, default=Path(os.environ.get("STRIPE_EMULATOR_STATE", DEFAULT_STATE)))
    parser.add_argument("--from-scratch", action="store_true", help="forget the saved state")
    args = parser.parse_args(argv)

    _use_state_file(args.state)
    if args.from_scratch:
        args.state.unlink(missing_ok=True)
    else:
        resources.store.try_load_from_disk()
    for endpoint in _endpoints():  # deliveries are not part of the saved state
        _deliver_to(endpoint)
    _add_wrapped_js_route(server.app)
    _add_webhook_endpoint_routes(server.app)
    _add_dispute_routes(server.app)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    logging.basicConfig(level=logging.WARNING)
    print(f"Stripe emulator (localstripe) on http://{args.host}:{args.port}/, state in {args.state}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
