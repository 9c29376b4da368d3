from datetime import timedelta

from django.core.management.base import BaseCommand

from orders.receipts import order_receipts_send_pending
from orders.reconciliation import order_reconcile_stale


class Command(BaseCommand):
    help = (
        "Settle UNPAID orders older than a few minutes by asking Stripe for the charge carrying "
        "the order's id: found and paid -> PAID (extra charges refunded), otherwise FAILED; then send the "
        "receipts a mail outage left unsent. Safe to run from cron on every instance."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default: settings.RECONCILE_AFTER_SECONDS)"
        )

    def handle(self, *args, older_than, **options):
        age = timedelta(seconds=older_than) if older_than is not None else None
        results = order_reconcile_stale(older_than=age)
        for order, outcome in results:
            self.stdout.write(f"order {order.pk}: {outcome}")
        self.stdout.write(f"{len(results)} unpaid order(s) examined.")
        sent = order_receipts_send_pending()
        if sent:
            self.stdout.write(f"{sent} receipt(s) sent that had failed before.")
