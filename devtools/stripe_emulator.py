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
  3-D Secure dialog (confirmCardPayment) is also raised above Bootstrap's modal
  dialog, where real Stripe.js puts its own challenge.
"""

import argparse
import logging
import os
import pickle
import socket
from pathlib import Path

from aiohttp import web
from localstripe import resources, server

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


def wrapped_stripe_js() -> str:
    """Return localstripe's Stripe.js inside a function scope; `Stripe` stays global."""
    source = (Path(resources.__file__).parent / "localstripe-v3.js").read_text(encoding="utf-8")
    dialog_style = "'text-align': 'center',"
    if dialog_style in source:
        # Above Bootstrap's modal (z-index 1055), or the challenge would sit behind the checkout.
        source = source.replace(dialog_style, dialog_style + " 'z-index': '2000',", 1)
    return "(function () {\n" + source + "\n}).call(window);\n"


def _add_wrapped_js_route(app: web.Application) -> None:
    body = wrapped_stripe_js()

    async def handler(request):
        return web.Response(text=body, content_type="application/javascript")

    app.router.add_get("/js.stripe.com/v3/wrapped.js", handler)


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
    _add_wrapped_js_route(server.app)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    logging.basicConfig(level=logging.WARNING)
    print(f"Stripe emulator (localstripe) on http://{args.host}:{args.port}/, state in {args.state}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
