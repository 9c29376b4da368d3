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
  cancelled by Escape (authentication fails), and gives focus back as it closes.
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
