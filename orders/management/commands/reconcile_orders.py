import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection as default_connection

from orders.receipts import order_receipts_send_pending
from orders.reconciliation import order_reconcile_stale

LOCK_NAME = "frameseller.reconcile_orders"
SKIPPED = "skipped, left UNPAID"


@contextmanager
def reconcile_lock(connection) -> Iterator[bool]:
    """Hold the database's reconcile lock while the block runs; yield False at once if another run holds it.

    MySQL/MariaDB: a named lock (GET_LOCK), which the server lets go when the holder's session ends,
    even a killed one. SQLite (one machine): an flock on a file beside the database. Other engines: no lock.
    """
    if connection.vendor == "mysql":
        # One lock per database: two environments on one server do not wait for each other.
        name = f"{LOCK_NAME}.{connection.settings_dict['NAME']}"[:64]
        with connection.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
            held = cursor.fetchone()[0] == 1
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
    elif connection.vendor == "sqlite":
        database = str(connection.settings_dict["NAME"])
        path = Path(database + ".reconcile-lock") if "/" in database else settings.VAR_DIR / "reconcile-lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    else:
        yield True


class Command(BaseCommand):
    help = (
        "Settle UNPAID orders older than a few minutes by asking Stripe for the charge carrying "
        "the order's id: found and paid -> PAID (extra charges refunded), otherwise FAILED; then send the "
        "receipts a mail outage left unsent. Run from a timer on every instance: one run per database at a "
        "time (the others return at once), and a run that could not ask Stripe about an order fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default: settings.RECONCILE_AFTER_SECONDS)"
        )

    def handle(self, *args, older_than, **options):
        with reconcile_lock(default_connection) as held:
            if not held:
                self.stdout.write("another reconcile_orders run holds the lock: nothing to do.")
                return
            skipped = self._reconcile(older_than)
        if skipped:
            # A non-zero exit: the timer's log ends "reconcile_orders FAILED", which the alarm watches.
            raise CommandError(f"{skipped} order(s) skipped: Stripe could not be asked; they stay UNPAID.")

    def _reconcile(self, older_than: int | None) -> int:
        age = timedelta(seconds=older_than) if older_than is not None else None
        results = order_reconcile_stale(older_than=age)
        for order, outcome in results:
            self.stdout.write(f"order {order.pk}: {outcome}")
        self.stdout.write(f"{len(results)} unpaid order(s) examined.")
        sent = order_receipts_send_pending()
        if sent:
            self.stdout.write(f"{sent} receipt(s) sent that had failed before.")
        return sum(1 for _, outcome in results if outcome.startswith(SKIPPED))
