"""A reset request does the same work whether or not the email has an account: the worker looks the account up.

Checked on what the request does (its SQL, its answer, what it queues), not on a timer: the same
statements in the same order, none of them reading the accounts, one task queued either way.
"""

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.conftest import tasks_backend_use
from tests.factories import UserFactory

RESET = "/api/password-reset/"

pytestmark = pytest.mark.django_db


def _request_reset(api_client, email: str):
    """Ask for a reset; return the answer and the SQL statements it ran (templates, without their values)."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = api_client.post(RESET, {"email": email}, format="json")
    return response, statements


def test_a_reset_request_runs_the_same_statements_for_an_account_and_for_none(api_client, settings, smtp_server):
    tasks_backend_use(settings, "django_tasks_db.DatabaseBackend")  # as deployed: the worker sends the mail
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    answers = {}
    for email in ("ada@example.com", "nobody@example.com", "gone@example.com"):
        answers[email] = _request_reset(api_client, email)

    (existing, existing_sql), (missing, missing_sql), (inactive, inactive_sql) = answers.values()
    assert existing.status_code == missing.status_code == inactive.status_code == 202
    assert existing.content == missing.content == inactive.content
    assert existing_sql == missing_sql == inactive_sql
    assert len(existing_sql) == 1 and existing_sql[0].startswith("INSERT INTO")  # the task, and nothing else
    assert not any("accounts_user" in sql for sql in existing_sql)
    queued = DBTaskResult.objects.filter(task_path="accounts.tasks.password_reset_mail_task").order_by("enqueued_at")
    assert [task.args_kwargs["kwargs"]["email"] for task in queued] == [
        "ada@example.com",
        "nobody@example.com",
        "gone@example.com",
    ]
    assert smtp_server.messages == []  # the request sends nothing itself
