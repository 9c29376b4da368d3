"""The request path's timeouts: load balancer, then nginx, then gunicorn.

A purchase can take 90 s in the worst case (orders/checks.py); every tier in front of gunicorn must wait
at least as long as gunicorn lets a worker run, or the browser gets a 504 while the worker goes
on and charges the card. And between requests, nginx must keep an idle connection from the load
balancer open longer than the load balancer does, or the load balancer answers 502.
"""

import getpass
import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.test_ebextensions import all_settings

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


# What the platform generates into conf.d/elasticbeanstalk/ (the proxy to gunicorn and /static).
EB_APPLICATION_CONF = """
location / {
    proxy_pass http://127.0.0.1:8000;
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


def localized_nginx_conf(prefix: Path) -> str:
    """The shipped nginx.conf with the instance's absolute paths moved under `prefix`, as a non-root test needs."""
    text = NGINX_CONF.read_text()
    replacements = {
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


def test_nginx_accepts_the_full_configuration_with_the_platforms_includes(nginx, tmp_path):
    """`nginx -t` on .platform/nginx/nginx.conf, our conf.d/ and stand-ins for the platform's generated files."""
    shutil.copytree(NGINX_CONF_D, tmp_path / "conf.d")
    generated = tmp_path / "conf.d" / "elasticbeanstalk"
    generated.mkdir()
    (generated / "00_application.conf").write_text(EB_APPLICATION_CONF)
    (generated / "01_static.conf").write_text(EB_STATICFILES_CONF)
    (tmp_path / "log").mkdir()
    (tmp_path / "mime.types").write_text("types {\n    text/html html;\n    text/css css;\n}\n")
    (tmp_path / "nginx.conf").write_text(localized_nginx_conf(tmp_path))

    done = subprocess.run(
        [nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
