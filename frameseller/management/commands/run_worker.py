"""The background worker: django-tasks-db's `db_worker`, plus the watch for tasks whose worker died."""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from frameseller.tasks import tasks_lost_requeue

logger = logging.getLogger(__name__)


def _watch_lost_tasks(every: float) -> None:
    while True:
        try:
            tasks_lost_requeue()
        except DatabaseError:
            logger.exception("Could not look for tasks whose worker died; trying again in %.0f s", every)
        finally:
            connection.close()
        time.sleep(every)


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background tasks (django-tasks-db's worker) and put back in the queue those whose worker "
        "died. Run one or more on every instance: a task is taken by one worker at a time."
    )

    def handle(self, *args, **options):
        every = max(min(settings.TASKS_LEASE_SECONDS / 3, 30), 0.5)
        threading.Thread(target=_watch_lost_tasks, args=(every,), name="lost-tasks", daemon=True).start()
        return super().handle(*args, **options)
