"""Background tasks: retries with backoff, and tasks whose worker died run again.

The tasks are Django's (`django.tasks`), kept in the database by django-tasks-db: a worker
(`manage.py run_worker`) takes one READY row at a time under a row lock (SELECT … FOR UPDATE
SKIP LOCKED; an exclusive transaction on SQLite) and marks it RUNNING in the same transaction, so
that several workers, on one instance or many, never start one task twice. What the backend does
not do is added here:

- a task registered with `retried` that fails with one of its transient errors is put back READY,
  to run after a delay that doubles with each attempt, until its attempts are spent: then it stays
  FAILED, with its last traceback, in the admin's "Task results" (filter: status Failed);
- a task left RUNNING longer than TASKS_LEASE_SECONDS lost its worker (killed, out of memory, the
  instance gone): it is put back READY, counted as an attempt, or FAILED once its attempts are spent.

So a task runs at least once and may run again after a crash: each one is written to be safe to
repeat (the receipt's claim, `orders.receipts`).
"""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.tasks import Task, TaskResultStatus
from django.utils import timezone

logger = logging.getLogger(__name__)

# How many times a task without a retry policy is started before a lost worker makes it FAILED.
LOST_TASK_ATTEMPTS = 3


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # in all, the first included
    backoff_seconds: float  # before the second attempt; doubled before each next one
    on: tuple[type[BaseException], ...]  # the transient errors; any other fails the task at once

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 for the first), with ±10 % jitter."""
        return self.backoff_seconds * 2 ** (attempt - 1) * random.uniform(0.9, 1.1)


_policies: dict[str, RetryPolicy] = {}


def retried(*, attempts: int, backoff_seconds: float, on: tuple[type[BaseException], ...]):
    """Retry the decorated task (put it under `@task`) on the errors `on`, with exponential backoff."""

    def register(task: Task) -> Task:
        _policies[task.module_path] = RetryPolicy(attempts=attempts, backoff_seconds=backoff_seconds, on=on)
        return task

    return register


def retry_policy(task_path: str) -> RetryPolicy | None:
    return _policies.get(task_path)


def task_retry_if_transient(sender, task_result, **kwargs) -> None:
    """Put a failed task back in the queue, later, if its error is transient and attempts remain (`task_finished`).

    Runs inside the worker's loop: it logs its own failures rather than raising them.
    """
    db_result = getattr(task_result, "db_result", None)
    if task_result.status != TaskResultStatus.FAILED or db_result is None:
        return  # done, or run by another backend (the tests' ImmediateBackend), which has no queue
    policy = retry_policy(db_result.task_path)
    attempt = len(db_result.worker_ids)
    try:
        transient = policy is not None and issubclass(task_result.errors[-1].exception_class, policy.on)
    except ImportError:
        transient = False
    if not transient:
        logger.error("Task %s (%s) failed", db_result.pk, db_result.task_path)
        return
    if attempt >= policy.attempts:
        logger.error("Task %s (%s) failed %d times; given up", db_result.pk, db_result.task_path, attempt)
        return
    delay = policy.delay(attempt)
    try:
        type(db_result).objects.filter(pk=db_result.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now() + timedelta(seconds=delay), finished_at=None
        )
    except DatabaseError:
        logger.exception("Task %s (%s) failed and could not be put back for a retry", db_result.pk, db_result.task_path)
        return
    logger.warning(
        "Task %s (%s) failed (attempt %d of %d); retried in %.0f s",
        db_result.pk,
        db_result.task_path,
        attempt,
        policy.attempts,
        delay,
    )


class WorkerLost(Exception):
    """The worker running the task stopped before the task ended (the task's recorded error)."""


def tasks_lost_requeue() -> int:
    """Put back READY the tasks RUNNING longer than TASKS_LEASE_SECONDS (FAILED once their attempts are spent).

    Safe on every worker at once: each row changes in one conditional update, which a row that a
    worker claimed again since (a new `started_at`) does not match.
    """
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    lost = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    ).only("id", "started_at", "worker_ids", "task_path")
    requeued = 0
    for row in lost:
        policy = retry_policy(row.task_path)
        attempts = policy.attempts if policy else LOST_TASK_ATTEMPTS
        attempt = len(row.worker_ids)
        same_run = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        if attempt < attempts:
            requeued += same_run.update(status=TaskResultStatus.READY, run_after=now)
            logger.warning("Task %s (%s) lost its worker (attempt %d); run again", row.pk, row.task_path, attempt)
        elif same_run.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: its worker stopped during attempt {attempt} of {attempts}; given up",
        ):
            logger.error("Task %s (%s) lost its worker %d times; given up", row.pk, row.task_path, attempt)
    return requeued
