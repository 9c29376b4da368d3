"""Real workers (`manage.py run_worker`, processes of their own) on the test's database; an SMTP server that stalls."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from devtools.emulator_process import free_port
from tests.conftest import tasks_backend_use

ROOT = Path(__file__).resolve().parents[2]
# Short leases keep the tests short: a task RUNNING 3 s is lost; a receipt claimed 2 s ago and not sent too.
TASKS_LEASE_SECONDS = 3
EMAIL_SEND_LEASE_SECONDS = 2


def database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


class Workers:
    """Start and stop `manage.py run_worker` processes; each one's output is kept in its own file."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = (self.logs / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: the worker stops where it is, with no chance to record anything."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.logs.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class StallingInbox:
    """An aiosmtpd handler keeping every accepted message; it can hold a conversation at RCPT or at QUIT.

    At RCPT the message has not been handed over yet; at QUIT it has been accepted (250 after its
    data). `stalled` is set when a conversation is held there.
    """

    def __init__(self):
        self.messages = []
        self.stall_at: str | None = None
        self.stalled = threading.Event()
        # How long each message's data takes to be accepted (a mail service's own pace).
        self.data_seconds = 0.0

    async def _hold(self, command: str) -> None:
        while self.stall_at == command:
            self.stalled.set()
            await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        await asyncio.sleep(self.data_seconds)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        await self._hold("QUIT")
        return "221 Bye"


@pytest.fixture
def stalling_smtp_server(settings):
    from aiosmtpd.controller import Controller

    inbox = StallingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    inbox.stall_at = None
    controller.stop()


@pytest.fixture
def workers(settings, stalling_smtp_server, tmp_path, transactional_db):
    """Tasks kept in the test's database (django-tasks-db), run by real worker processes started on demand."""
    tasks_backend_use(settings, "django_tasks_db.DatabaseBackend")
    env = {
        **os.environ,
        "DJANGO_ENV": "local",
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "FRAMESELLER_INSTALLATION": settings.FRAMESELLER_INSTALLATION,
        "FRAMESELLER_VAR_DIR": str(tmp_path / "var"),
        "SHOP_URL": settings.SHOP_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{stalling_smtp_server.port}",
        "EMAIL_TIMEOUT": "5",
        "TASKS_LEASE_SECONDS": str(TASKS_LEASE_SECONDS),
        "EMAIL_SEND_LEASE_SECONDS": str(EMAIL_SEND_LEASE_SECONDS),
        "DJANGO_LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(env, logs)
    yield pool
    pool.stop_all()


def wait_for(condition, *, timeout: float = 30, what: str = "", output=None):
    """Poll `condition()` until it is true; fail after `timeout` seconds with the workers' output."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}\n{output() if output else ''}")
        time.sleep(0.05)
