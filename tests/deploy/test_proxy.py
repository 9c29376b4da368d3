"""The request path's timeouts: load balancer, then nginx, then gunicorn; and the errors they answer themselves.

A purchase can take 90 s in the worst case (orders/checks.py); every tier in front of gunicorn must wait
at least as long as gunicorn lets a worker run, or the browser gets a 504 while the worker goes
on and charges the card. And between requests, nginx must keep an idle connection from the load
balancer open longer than the load balancer does, or the load balancer answers 502.

A request nginx or gunicorn refuses before the application sees it (too long, malformed) is answered
in JSON like the API's errors: checked through a real nginx running the repository's configuration
in front of gunicorn running gunicorn.conf.py, and against gunicorn alone.
"""

import getpass
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import free_port
from tests.deploy.test_ebextensions import all_settings
from tests.test_error_codes import documented_codes

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / ".platform" / "nginx" / "nginx.conf"
NGINX_CONF_D = ROOT / ".platform" / "nginx" / "conf.d"
PROXY_TIMEOUTS = NGINX_CONF_D / "proxy_timeouts.conf"
NGINX_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def nginx_seconds(value: str) -> float:
    """nginx's time syntax: "120", "120s", "2m", "1m30s"…; no unit means seconds."""
    parts = re.findall(r"(\d+)(ms|s|m|h|d)?", value)
    assert parts and "".join(number + unit for number, unit in parts) == value, value
    return sum(int(number) * NGINX_UNITS[unit or "s"] for number, unit in parts)


def nginx_directives(path: Path) -> dict[str, str]:
    """Top-level `name value;` directives of a conf.d file, comments left out."""
    text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    statements = [statement.strip() for statement in text.split(";") if statement.strip()]
    directives = {}
    for statement in statements:
        name, value = statement.split(None, 1)
        assert name not in directives, f"{name} is set twice"
        directives[name] = value.strip()
    return directives


def gunicorn_default_timeout(monkeypatch) -> int:
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"]


def test_gunicorn_timeout_default_matches_the_environment_default(monkeypatch):
    env_default = all_settings()[("aws:elasticbeanstalk:application:environment", "GUNICORN_TIMEOUT")]

    assert int(env_default) == gunicorn_default_timeout(monkeypatch)


def test_nginx_waits_for_gunicorn(monkeypatch):
    directives = nginx_directives(PROXY_TIMEOUTS)
    timeout = gunicorn_default_timeout(monkeypatch)

    assert nginx_seconds(directives["proxy_read_timeout"]) >= timeout
    assert nginx_seconds(directives["proxy_send_timeout"]) >= timeout


def test_load_balancer_waits_for_gunicorn(monkeypatch):
    idle = all_settings()[("aws:elbv2:loadbalancer", "IdleTimeout")]

    assert int(idle) >= gunicorn_default_timeout(monkeypatch)
    assert 1 <= int(idle) <= 4000  # the ALB's range


def test_nginx_time_syntax():
    assert nginx_seconds("120") == 120
    assert nginx_seconds("120s") == 120
    assert nginx_seconds("2m") == 120
    assert nginx_seconds("1m30s") == 90
    with pytest.raises(AssertionError):
        nginx_seconds("2 minutes")


def test_nginx_keeps_idle_connections_open_longer_than_the_load_balancer():
    """AWS: the application's idle timeout must exceed the load balancer's, or requests meet closed sockets (502)."""
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())
    (keepalive,) = re.findall(r"\bkeepalive_timeout\s+([^;\s]+)\s*;", text)
    idle = int(all_settings()[("aws:elbv2:loadbalancer", "IdleTimeout")])

    assert nginx_seconds(keepalive) > idle


def test_nginx_conf_keeps_the_platforms_includes():
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())
    http = text[text.index("http {") :]
    server = http[http.index("server {") :]

    # Our conf.d files and the platform's http-level ones; the platform's proxy, /static and health logs.
    assert re.search(r"include\s+conf\.d/\*\.conf;", http[: http.index("server {")])
    assert re.search(r"include\s+conf\.d/elasticbeanstalk/\*\.conf;", server)


def nginx_binary() -> str | None:
    """Debian installs nginx in /usr/sbin, which a non-root PATH may lack."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


# Where the platform's nginx sends requests: gunicorn on PORT, 8000 on the Python platform.
PLATFORM_UPSTREAM = "http://127.0.0.1:8000"
# What the platform generates into conf.d/elasticbeanstalk/ (the proxy to gunicorn and /static).
EB_APPLICATION_CONF = """
location / {
    proxy_pass http://127.0.0.1:UPSTREAM_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
}
"""
EB_STATICFILES_CONF = """
location /static {
    alias /var/app/current/staticfiles;
    access_log off;
}
"""


def localized_nginx_conf(prefix: Path, port: int = 80) -> str:
    """The shipped nginx.conf with the instance's absolute paths moved under `prefix`, as a non-root test needs."""
    text = NGINX_CONF.read_text()
    replacements = {
        "listen        80 default_server;": f"listen        127.0.0.1:{port} default_server;",
        "user                    nginx;": f"user                    {getpass.getuser()};",
        "/var/log/nginx/": f"{prefix}/log/",
        "/var/run/nginx.pid": f"{prefix}/nginx.pid",
        "/etc/nginx/mime.types": f"{prefix}/mime.types",
    }
    for old, new in replacements.items():
        assert old in text, f"nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text


@pytest.fixture
def nginx():
    found = nginx_binary()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is needed on CI (make test and .ci/run install it from Debian)")
        pytest.skip("nginx is not installed (make test installs it)")
    return found


def nginx_prefix(tmp_path: Path, *, port: int = 80, upstream_port: int = 8000) -> Path:
    """A prefix holding .platform/nginx/ as the instance would, with stand-ins for the platform's generated files."""
    shutil.copytree(NGINX_CONF_D, tmp_path / "conf.d")
    generated = tmp_path / "conf.d" / "elasticbeanstalk"
    generated.mkdir(exist_ok=True)
    # Our server-block files proxy to gunicorn where the platform does, 127.0.0.1:8000.
    for ours in generated.glob("*.conf"):
        text = ours.read_text()
        assert PLATFORM_UPSTREAM in text, ours
        ours.write_text(text.replace(PLATFORM_UPSTREAM, f"http://127.0.0.1:{upstream_port}"))
    (generated / "00_application.conf").write_text(EB_APPLICATION_CONF.replace("UPSTREAM_PORT", str(upstream_port)))
    (generated / "01_static.conf").write_text(EB_STATICFILES_CONF)
    (tmp_path / "log").mkdir()
    (tmp_path / "mime.types").write_text("types {\n    text/html html;\n    text/css css;\n}\n")
    (tmp_path / "nginx.conf").write_text(localized_nginx_conf(tmp_path, port))
    return tmp_path


def test_nginx_accepts_the_full_configuration_with_the_platforms_includes(nginx, tmp_path):
    """`nginx -t` on .platform/nginx/nginx.conf, our conf.d/ and stand-ins for the platform's generated files."""
    nginx_prefix(tmp_path)

    done = subprocess.run(
        [nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr


# --- Errors nginx and gunicorn answer themselves: JSON, through the real configuration ---------------------------

# The application behind gunicorn: a 200 naming what it received, and an error answer of its own.
UPSTREAM_APP = """
import json


def application(environ, start_response):
    # Read the whole body, as Django does: a body left unread would race the answer (nginx, still
    # sending it, would meet a closed connection).
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ["PATH_INFO"] == "/own-400":
        status, body = "400 Bad Request", {"detail": "The application's own.", "code": "invalid"}
    else:
        status, body = "200 OK", {"path": environ["PATH_INFO"]}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
"""


def wait_for_port(port: int, process: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, f"{name} exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"{name} did not start in 20 s"
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory):
    """gunicorn as the Procfile starts it (gunicorn.conf.py), one worker, in front of UPSTREAM_APP."""
    folder = tmp_path_factory.mktemp("upstream")
    (folder / "upstream_app.py").write_text(UPSTREAM_APP)
    port = free_port()
    env = {**os.environ, "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "2", "GUNICORN_PRELOAD": "0"}
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--pythonpath", str(folder), "upstream_app:application"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "gunicorn")
        yield port
    finally:
        stop(process)


def start_nginx(nginx: str, prefix: Path, port: int) -> subprocess.Popen:
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process, "nginx")
    return process


@pytest.fixture(scope="module")
def nginx_port(tmp_path_factory, gunicorn_port):
    """nginx with .platform/nginx/ (and the platform's proxy to gunicorn), in front of gunicorn_port."""
    found = nginx_binary()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is needed on CI (make test and .ci/run install it from Debian)")
        pytest.skip("nginx is not installed (make test installs it)")
    port = free_port()
    prefix = nginx_prefix(tmp_path_factory.mktemp("nginx"), port=port, upstream_port=gunicorn_port)
    process = start_nginx(found, prefix, port)
    yield port
    stop(process)


class Answer:
    def __init__(self, raw: bytes):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}

    def json(self) -> dict:
        assert self.headers["content-type"] == "application/json", self.body[:200]
        return json.loads(self.body)


def send(port: int, request: bytes) -> Answer:
    """Send raw bytes, exactly as given, and read the answer to the end (the request says Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return Answer(received)


def get(*headers: bytes, path: bytes = b"/", line: bytes | None = None) -> bytes:
    line = line or b"GET " + path + b" HTTP/1.1"
    return (
        line + b"\r\nHost: api.example.com\r\nConnection: close\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"
    )


MALFORMED = {
    # name: (request, status, code)
    "request line over 4094 bytes": (get(path=b"/" + b"a" * 5000), 414, "uri_too_long"),
    "a header line over 4 KB": (get(b"X-Big: " + b"a" * 5000), 431, "headers_too_large"),
    "headers over 16 KB in all": (get(*(b"X-Big%d: " % i + b"a" * 4000 for i in range(5))), 431, "headers_too_large"),
    "more than 100 headers": (get(*(b"X-H%d: v" % i for i in range(101))), 431, "headers_too_large"),
    "a control character in a header value": (get(b"X-A: a\x01b"), 400, "bad_request"),
    "a bare CR in a header value": (get(b"X-A: a\rb"), 400, "bad_request"),
    "a folded header line": (get(b"X-A: a", b" b"), 400, "bad_request"),
    "a space before the colon": (get(b"X-A : b"), 400, "bad_request"),
    "a malformed request line": (b"hello\r\n\r\n", 400, "bad_request"),
    "a lowercase method": (get(line=b"get / HTTP/1.1"), 400, "bad_request"),
    "two Content-Length headers": (
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        400,
        "bad_request",
    ),
    "an unknown HTTP version": (get(line=b"GET / HTTP/9.9"), 505, "error"),
    "an unknown transfer coding": (get(b"Transfer-Encoding: foo", line=b"POST / HTTP/1.1"), 501, "error"),
    "a body over nginx's 1 MB": (
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2000000\r\n\r\n",
        413,
        "request_too_large",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_requests_refused_before_the_application_are_answered_in_json(nginx_port, name):
    request, status, code = MALFORMED[name]

    answer = send(nginx_port, request)

    assert answer.status == status
    assert answer.json()["code"] == code
    assert answer.json()["detail"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_applications_answers_pass_through_untouched(nginx_port):
    """No proxy_intercept_errors: the application's own 400 keeps its sentence and code."""
    assert send(nginx_port, get(path=b"/own-400")).json() == {"detail": "The application's own.", "code": "invalid"}
    assert send(nginx_port, get(path=b"/api/product/")).json() == {"path": "/api/product/"}


def test_nginx_passes_the_longest_request_line_gunicorn_takes_and_refuses_the_next(nginx_port):
    longest = b"GET /" + b"a" * (4094 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    assert len(longest) == 4094  # gunicorn's limit_request_line

    assert send(nginx_port, get(line=longest)).status == 200
    assert send(nginx_port, get(line=longest.replace(b"GET /", b"GET /a"))).json()["code"] == "uri_too_long"


def test_nginx_refuses_lines_gunicorn_would_refuse_before_gunicorn_does():
    """A line must fit in one of nginx's large header buffers (with its CRLF); gunicorn takes at least as long."""
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())
    (size,) = re.findall(r"\blarge_client_header_buffers\s+\d+\s+(\d+)k\s*;", text)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    from gunicorn.config import Config

    defaults = Config()
    line_limit = config.get("limit_request_line", defaults.limit_request_line)
    field_limit = config.get("limit_request_field_size", defaults.limit_request_field_size)

    assert int(size) * 1024 - 2 <= line_limit
    assert int(size) * 1024 - 2 <= field_limit


PHOTO_UPLOADS = NGINX_CONF_D / "elasticbeanstalk" / "10_photo_uploads.conf"
NGINX_SIZES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def nginx_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * NGINX_SIZES[unit]


def test_the_admins_upload_location_holds_the_largest_photo_on_the_middlewares_paths(settings):
    """Issue 18 item 7: nginx's 1 MB refused the admin's 60 MB photo; only the upload pages may take more."""
    from catalog.middleware import PHOTO_UPLOAD_PATH

    text = "\n".join(line.split("#", 1)[0] for line in PHOTO_UPLOADS.read_text().splitlines())
    (pattern,) = re.findall(r"location\s+~\s+(\S+)\s*\{", text)
    (size,) = re.findall(r"\bclient_max_body_size\s+(\S+)\s*;", text)

    assert nginx_bytes(size) >= settings.PHOTOS_MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for path in (
        "/admin/catalog/product/add/",
        "/admin/catalog/product/12/change/",
        "/admin/catalog/product/upload/photo/",
        "/admin/catalog/product/upload/",
        "/admin/catalog/product/12/delete/",
        "/admin/catalog/product/add/x",
        "/admin/catalog/product/add",
        "/admin/accounts/user/add/",
        "/api/order/",
    ):
        assert bool(re.search(pattern, path)) == bool(PHOTO_UPLOAD_PATH.fullmatch(path)), path
    # No client_max_body_size outside it: the rest keeps nginx's 1 MB.
    elsewhere = [NGINX_CONF, *NGINX_CONF_D.glob("*.conf")]
    assert not any("client_max_body_size" in path.read_text() for path in elsewhere)


@pytest.mark.parametrize(
    "path, length, status",
    [
        (b"/admin/catalog/product/add/", 20 * 1024 * 1024, 200),
        (b"/admin/catalog/product/7/change/", 2_000_000, 200),
        (b"/admin/catalog/product/add/", 62 * 1024 * 1024, 413),
        (b"/admin/catalog/product/7/delete/", 2_000_000, 413),
        (b"/api/order/", 2_000_000, 413),
    ],
    ids=["upload 20 MB", "change 2 MB", "upload over 61 MB", "another admin page", "the API"],
)
def test_nginx_lets_large_bodies_through_to_the_admins_upload_pages_only(nginx_port, path, length, status):
    head = b"POST " + path + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % length
    # A refused body is refused on its Content-Length, before it is sent.
    answer = send(nginx_port, head + (b"x" * length if status == 200 else b""))

    assert answer.status == status
    if status == 200:
        assert answer.json() == {"path": path.decode()}  # gunicorn got it
    else:
        assert answer.json()["code"] == "request_too_large"


def test_nginx_answers_in_json_when_gunicorn_does_not_answer(nginx, tmp_path):
    port = free_port()
    process = start_nginx(nginx, nginx_prefix(tmp_path, port=port, upstream_port=free_port()), port)
    try:
        answer = send(port, get(path=b"/api/health/"))
    finally:
        stop(process)

    assert answer.status == 502
    assert answer.json()["code"] == "error"


@pytest.mark.parametrize(
    "request_, status, code",
    [
        (get(path=b"/" + b"a" * 5000), 414, "uri_too_long"),
        (get(*(b"X-H%d: v" % i for i in range(101))), 431, "headers_too_large"),
        (get(b"X-Big: " + b"a" * 9000), 431, "headers_too_large"),
        (get(b"Bad Header: x"), 400, "bad_request"),
        (b"hello\r\n\r\n", 400, "bad_request"),
    ],
    ids=["request line", "headers count", "header size", "header name", "request line malformed"],
)
def test_gunicorn_alone_answers_what_it_refuses_in_json(gunicorn_port, request_, status, code):
    """Without nginx (the resilience tests, a local gunicorn), gunicorn.conf.py makes gunicorn's own answers JSON."""
    answer = send(gunicorn_port, request_)

    assert answer.status == status
    assert answer.json()["code"] == code


def test_the_codes_nginx_and_gunicorn_answer_are_documented():
    nginx_codes = re.findall(r'"code": "([a-z_]+)"', NGINX_CONF.read_text())
    gunicorn_codes = [code for code, _ in runpy.run_path(str(ROOT / "gunicorn.conf.py"))["ERROR_ANSWERS"].values()]
    documented = documented_codes()

    assert {"uri_too_long", "headers_too_large", "bad_request"} <= set(nginx_codes)
    for code in nginx_codes + gunicorn_codes:
        assert code in documented, code
