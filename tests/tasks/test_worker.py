"""The worker (`manage.py run_worker`) in processes of its own, on the test's database, sending to a real SMTP server.

SQLite by default, MariaDB with DATABASE_URL=mysql://…; tasks are rows of django-tasks-db's table.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, PaymentEvent
from orders.settlement import order_mark_paid
from tests.factories import ProductFactory, UserFactory
from tests.tasks.conftest import wait_for

ORDERS = "/api/order/"
RECEIPT_TASK = "orders.tasks.order_receipt_task"

pytestmark = pytest.mark.django_db(transaction=True)


def paid_order() -> Order:
    """An order made PAID through the one transition to PAID: its receipt's task is enqueued after the commit."""
    product = ProductFactory(title="Brooklyn Bridge")
    order = Order.objects.create(user=UserFactory(), product=product, price=Decimal("100.00"), currency="usd")
    return order_mark_paid(order=order, charge_id=f"ch_test_{order.pk}")


def receipt_done() -> bool:
    return receipt_tasks().get().status == TaskResultStatus.SUCCESSFUL


def receipt_tasks():
    return DBTaskResult.objects.filter(task_path=RECEIPT_TASK)


def receipts_sent(order: Order) -> int:
    return order.payment_events.filter(kind=PaymentEvent.Kind.RECEIPT_SENT).count()


def test_a_purchase_is_answered_at_once_and_its_receipt_comes_through_the_worker(
    auth_client, user, product, stripe_emulator, stalling_smtp_server, workers
):
    response = auth_client.post(ORDERS, {"token": stripe_emulator.card_token(), "product": product.pk}, format="json")

    assert response.status_code == 201
    [queued] = receipt_tasks()
    assert queued.status == TaskResultStatus.READY
    assert stalling_smtp_server.messages == []  # nothing sent by the request itself
    workers.start()
    wait_for(receipt_done, what="the receipt", output=workers.output)
    [mail] = stalling_smtp_server.messages
    order = Order.objects.get()
    assert mail["To"] == user.email
    assert mail["Subject"] == f"Your FrameSeller receipt: order #{order.pk}"
    assert "Visa ending in 4242" in mail.get_payload(decode=True).decode()
    assert receipts_sent(order) == 1


def test_several_workers_run_each_task_once(stalling_smtp_server, workers):
    # Each mail takes a moment, as a real mail service's does: one worker cannot empty the queue
    # before the others start, however busy the machine (the test asserts they shared it).
    stalling_smtp_server.data_seconds = 0.5
    orders = [paid_order() for _ in range(12)]
    for _ in range(3):
        workers.start()

    wait_for(
        lambda: receipt_tasks().filter(status=TaskResultStatus.SUCCESSFUL).count() == 12,
        what="12 receipts",
        output=workers.output,
    )
    assert sorted(mail["To"] for mail in stalling_smtp_server.messages) == sorted(o.user.email for o in orders)
    assert [len(task.worker_ids) for task in receipt_tasks()] == [1] * 12  # each started by one worker, once
    assert len({task.worker_ids[0] for task in receipt_tasks()}) > 1  # and the workers shared them
    assert all(receipts_sent(order) == 1 for order in orders)


def test_a_worker_killed_while_sending_the_receipt_is_replaced_and_the_receipt_sent_once(stalling_smtp_server, workers):
    """SIGKILL in the middle of the SMTP conversation: the task is taken for lost after its lease and runs again."""
    stalling_smtp_server.stall_at = "RCPT"
    order = paid_order()
    first = workers.start()
    assert stalling_smtp_server.stalled.wait(30), workers.output()
    assert receipt_tasks().get().status == TaskResultStatus.RUNNING
    assert Order.objects.get().receipt_sent_at is not None  # claimed, not sent

    workers.kill(first)
    stalling_smtp_server.stall_at = None
    workers.start()

    wait_for(receipt_done, what="the rerun", output=workers.output)
    task = receipt_tasks().get()
    assert len(task.worker_ids) == 2  # two attempts, by two workers
    assert task.return_value == "sent"
    assert len(stalling_smtp_server.messages) == 1
    assert receipts_sent(order) == 1
    assert "lost its worker" in workers.output()


def test_a_worker_killed_after_the_mail_was_accepted_does_not_send_it_again(stalling_smtp_server, workers):
    """SIGKILL after the server accepted the mail (held at QUIT): the rerun finds it recorded sent."""
    stalling_smtp_server.stall_at = "QUIT"
    order = paid_order()
    first = workers.start()
    assert stalling_smtp_server.stalled.wait(30), workers.output()
    assert len(stalling_smtp_server.messages) == 1

    workers.kill(first)
    stalling_smtp_server.stall_at = None
    workers.start()

    wait_for(receipt_done, what="the rerun", output=workers.output)
    task = receipt_tasks().get()
    assert len(task.worker_ids) == 2
    assert task.return_value == "nothing to send"
    assert len(stalling_smtp_server.messages) == 1
    assert receipts_sent(order) == 1


def test_a_receipt_that_keeps_failing_is_retried_with_backoff_then_shown_failed_to_staff(
    stalling_smtp_server, workers, admin_client
):
    workers.env["EMAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens: every attempt fails
    order = paid_order()
    workers.start()

    delays = []
    for attempt in range(1, 6):
        wait_for(
            lambda a=attempt: (t := receipt_tasks().get()).status == TaskResultStatus.READY and len(t.worker_ids) == a,
            what=f"failed attempt {attempt} put back",
            output=workers.output,
        )
        task = receipt_tasks().get()
        delays.append((task.run_after - timezone.now()).total_seconds())
        assert "ConnectionRefusedError" in task.traceback
        assert Order.objects.get().receipt_sent_at is None  # the claim released for the next try
        # Time passes: the retry is due now.
        receipt_tasks().update(run_after=timezone.now() - timedelta(seconds=1))
    wait_for(lambda: receipt_tasks().get().status == TaskResultStatus.FAILED, what="giving up", output=workers.output)

    # 30 s, then doubling (±10 %), a few tenths of a second already spent.
    for delay, expected in zip(delays, [30, 60, 120, 240, 480], strict=True):
        assert expected * 0.85 < delay < expected * 1.15, delays
    task = receipt_tasks().get()
    assert len(task.worker_ids) == 6
    assert stalling_smtp_server.messages == []
    assert receipts_sent(order) == 0
    failed = admin_client.get("/admin/django_tasks_database/dbtaskresult/", {"status__exact": "FAILED"})
    assert failed.status_code == 200
    assert str(task.pk) in failed.content.decode()
    assert "order_receipt_task" in failed.content.decode()
    page = admin_client.get(f"/admin/django_tasks_database/dbtaskresult/{task.pk}/change/")
    assert "ConnectionRefusedError" in page.content.decode()


def test_the_worker_mails_a_password_reset_link(api_client, stalling_smtp_server, workers):
    user = UserFactory()

    response = api_client.post("/api/password-reset/", {"email": user.email}, format="json")
    assert response.status_code == 202
    assert stalling_smtp_server.messages == []
    workers.start()

    task = DBTaskResult.objects.filter(task_path="accounts.tasks.password_reset_mail_task")
    wait_for(lambda: task.get().status == TaskResultStatus.SUCCESSFUL, what="the reset mail", output=workers.output)
    [mail] = stalling_smtp_server.messages
    assert mail["To"] == user.email
    assert "#/reset?uid=" in mail.get_payload(decode=True).decode()
