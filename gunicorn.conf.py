"""gunicorn settings for Elastic Beanstalk (the Procfile points here), read from the environment.

Kept in a config file rather than the Procfile so the values come from environment variables
whether or not the platform runs the Procfile line through a shell.
"""

import http
import json
import os

# nginx on the instance proxies to $PORT (8000 unless the environment sets PORT).
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sensible for a small instance (t3.small: 2 vCPU, 2 GiB).
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A purchase makes up to 5 Stripe calls (orders.checks.CALLS_PER_PURCHASE), each up to
# orders.payments.worst_case_seconds() (18 s with the default 8 s timeout and 1 retry): 90 s.
# The worker must outlive that, or a paid order could be killed before it records the charge.
# tests/deploy/test_gunicorn.py checks it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On a restart (a deployment, `eb setenv`), how long a worker may finish the requests in flight
# before it is killed: longer than a purchase too, or a restart cuts a charge off before its
# outcome is recorded. systemd's stop timeout for the web process is raised above this
# (.platform/hooks/predeploy/10_graceful_stop.sh). tests/deploy/test_deployments.py checks both.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
# nginx on the instance talks to gunicorn over loopback and opens a connection per request (the
# platform's proxy sends "Connection: upgrade", no upstream keep-alive pool): this keep-alive
# never comes into play. The one that matters, nginx's towards the load balancer, is in
# .platform/nginx/nginx.conf.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak cannot grow without bound; rarely, since a
# restart costs half a second of imports (every 2,000 requests cost a busy instance a
# fifth of its throughput: measured with make bench).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10

# Logs to stdout/stderr: the platform collects them (eb logs, CloudWatch).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = True

# Load the application once, in the master, before the workers fork: they share its imported code
# (copy-on-write), and a recycled worker starts at once instead of importing for 0.7 s. The
# configuration line frameseller.wsgi logs comes from the master then, once, not from each worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def _return_large_blocks_to_the_system():
    """Have glibc map every block over 128 KB on its own and unmap it when freed.

    By default glibc raises that threshold to the largest block freed so far, so after the first
    login (Argon2id hashes in 19 MiB) those blocks come from the heap and stay there: one worker
    grew by 40 MB after a few concurrent logins. Set in the master, the workers inherit it.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed, no longer raised
    except (OSError, AttributeError):  # not glibc: its own allocator's defaults
        pass


_return_large_blocks_to_the_system()


def when_ready(server):
    # What the master imported stays put: the workers' garbage collector never touches (and so never
    # copies) those pages.
    import gc

    gc.freeze()


# gunicorn answers a request it cannot read itself, before any application code: a malformed
# request or header line (400), a request line over limit_request_line (414), more headers than
# limit_request_fields or one over limit_request_field_size (431)… It writes those answers with
# gunicorn.util.write_error, an HTML page, and has no setting or hook to change them. On Beanstalk
# nginx refuses all but two of those first, in JSON (.platform/nginx/nginx.conf); gunicorn still
# answers more than 100 headers and control characters in a header value, and is the first to
# answer when it runs alone (the resilience tests). So every worker writes them as the API writes
# errors ({"detail": "…", "code": "…"}, docs/api.md "Error codes"), never echoing what was sent.
# tests/deploy/test_proxy.py checks it against the installed gunicorn.
ERROR_ANSWERS = {
    400: ("bad_request", "Bad request."),
    403: ("permission_denied", "Forbidden."),
    414: ("uri_too_long", "The request line (address and query) is too long."),
    431: ("headers_too_large", "The request headers are too many or too large."),
    500: ("server_error", "Internal server error."),
}


def write_json_error(sock, status_int, reason, mesg):
    """Write gunicorn's own error answer as JSON (in place of gunicorn.util.write_error's HTML)."""
    from gunicorn import util

    code, detail = ERROR_ANSWERS.get(status_int, ("error", "Request failed."))
    body = json.dumps({"detail": detail, "code": code}).encode()
    phrase = http.HTTPStatus(status_int).phrase if status_int in http.HTTPStatus else reason
    head = (
        f"HTTP/1.1 {status_int} {phrase}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def on_starting(server):
    # In the master, before the workers fork: they call util.write_error by its module attribute.
    from gunicorn import util

    if callable(getattr(util, "write_error", None)):
        util.write_error = write_json_error
    else:
        server.log.warning("gunicorn.util.write_error is gone: gunicorn's own error pages stay HTML")
