"""System checks for the payment settings."""

from django.conf import settings
from django.core.checks import Error, register

from orders.payments import worst_case_seconds

# A purchase makes at most this many Stripe calls: attach the card, find its
# customer gone, create another, attach again, charge.
CALLS_PER_PURCHASE = 5


@register()
def check_reconcile_after_purchase_worst_case(app_configs, **kwargs):
    """Reconciliation must never judge an order whose charge may still be in flight."""
    worst = CALLS_PER_PURCHASE * worst_case_seconds()
    if settings.RECONCILE_AFTER_SECONDS <= worst:
        return [
            Error(
                f"RECONCILE_AFTER_SECONDS ({settings.RECONCILE_AFTER_SECONDS}) must exceed the longest a purchase "
                f"can take with Stripe ({worst:.0f} s).",
                hint="Raise RECONCILE_AFTER_SECONDS or lower STRIPE_TIMEOUT_SECONDS / STRIPE_MAX_NETWORK_RETRIES.",
                id="orders.E001",
            )
        ]
    return []
