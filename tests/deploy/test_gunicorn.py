"""The web process: gunicorn's configuration from the Procfile and gunicorn.conf.py."""

import runpy
import shlex
from pathlib import Path

from orders.checks import CALLS_PER_PURCHASE
from orders.payments import worst_case_seconds

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_config(monkeypatch, **env) -> dict:
    for name in ("PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_default_worker_timeout_outlasts_a_purchase_worst_case(monkeypatch):
    config = gunicorn_config(monkeypatch)

    assert worst_case_seconds() > 0
    assert config["timeout"] > CALLS_PER_PURCHASE * worst_case_seconds()


def test_procfile_runs_gunicorn_with_its_config_file_and_no_overrides():
    (web,) = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")]
    argv = shlex.split(web.removeprefix("web:"))

    assert argv[0] == "gunicorn"
    assert argv[-1] == "frameseller.wsgi:application"
    assert argv[argv.index("--config") + 1] == "gunicorn.conf.py"
    # A --timeout or --bind here would override the environment-driven values.
    assert not {"--timeout", "-t", "--bind", "-b", "--workers", "-w"} & set(argv)


def test_workers_threads_timeout_and_port_come_from_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch, PORT="8123", GUNICORN_WORKERS="3", GUNICORN_THREADS="8", GUNICORN_TIMEOUT="90"
    )

    assert (config["bind"], config["workers"], config["threads"], config["timeout"]) == ("0.0.0.0:8123", 3, 8, 90)


def test_defaults_suit_a_small_instance_and_log_to_stdout(monkeypatch):
    config = gunicorn_config(monkeypatch)

    assert config["bind"] == "0.0.0.0:8000"
    assert (config["workers"], config["threads"]) == (2, 4)
    assert config["accesslog"] == "-" and config["errorlog"] == "-"
