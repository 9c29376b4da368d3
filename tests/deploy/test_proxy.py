"""The request path's timeouts: load balancer, then nginx, then gunicorn.

A purchase can take 90 s in the worst case (orders/checks.py); every tier in front of gunicorn must wait
at least as long as gunicorn lets a worker run, or the browser gets a 504 while the worker goes
on and charges the card.
"""

import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.test_ebextensions import all_settings

ROOT = Path(__file__).resolve().parents[2]
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


# Shaped like the Python platform's /etc/nginx/nginx.conf on Amazon Linux 2023: conf.d/*.conf
# is included in the http block, the platform's `location /` proxy in the server block.
EB_NGINX_CONF = """
pid nginx.pid;
events {
    worker_connections 64;
}
http {
    access_log off;
    include conf.d/*.conf;
    map $http_upgrade $connection_upgrade {
        default "upgrade";
    }
    server {
        listen 127.0.0.1:8080 default_server;
        client_header_timeout 60;
        client_body_timeout 60;
        keepalive_timeout 60;
        include conf.d/elasticbeanstalk/*.conf;
    }
}
"""
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


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_conf_d_files_in_the_platforms_http_block(tmp_path):
    shutil.copytree(NGINX_CONF_D, tmp_path / "conf.d")
    (tmp_path / "conf.d" / "elasticbeanstalk").mkdir(exist_ok=True)
    (tmp_path / "conf.d" / "elasticbeanstalk" / "00_application.conf").write_text(EB_APPLICATION_CONF)
    (tmp_path / "nginx.conf").write_text(EB_NGINX_CONF)

    done = subprocess.run(
        ["nginx", "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
