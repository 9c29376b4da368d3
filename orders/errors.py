"""What can go wrong with an order, in words a shopper understands.

Each error names its HTTP status and its `code` (a stable identifier clients switch
on, listed in docs/api.md); the project's exception handler turns it into the JSON
answer. The payment gateway's own errors (orders.payments) never reach the
shopper: the services translate them into these.
"""

from rest_framework import status

from frameseller.exceptions import ApplicationError, ConflictError

DECLINED_MESSAGE = "Your card was declined."
CARD_UNUSABLE_MESSAGE = "Your card could not be used."


class OrderInvalid(ApplicationError):
    code = "order_invalid"
    default_message = "The order request is invalid."


class OrderPaymentDeclined(ApplicationError):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    code = "payment_declined"
    default_message = DECLINED_MESSAGE


class OrderPaymentPending(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "payment_pending"
    default_message = (
        "The payment service could not confirm your payment. Nothing will be charged twice: "
        "your order will be settled shortly, check My orders."
    )


class OrderPaymentBusy(ApplicationError):
    """Refused before anything was recorded or sent to Stripe (orders.capacity)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "payment_busy"
    default_message = (
        "The payment service is not answering right now, so nothing was charged. Please try again in a minute."
    )
    retry_after = 30


class OrderPaymentRejected(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    code = "payment_rejected"
    default_message = "The payment service could not process this payment; nothing was charged."


class OrderInProgress(ConflictError):
    code = "payment_in_progress"
    default_message = "This payment is already being processed; check My orders in a moment."


class OrderPhotoPaymentPending(OrderInProgress):
    code = "photo_payment_pending"
    default_message = "A payment for this photo is still being confirmed. Check My orders before paying again."


class OrderNotRefundable(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "order_not_refundable"
    default_message = "Only a paid order can be refunded."


class OrderKeyReused(ApplicationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used for another purchase (a different photo); nothing was charged. "
        "Send a new key for a new purchase."
    )


# --- Downloads and ownership (orders.downloads, orders.placing) ------------------------------


class OrderAlreadyOwned(ConflictError):
    code = "already_owned"
    default_message = "You already own this photo."


class OrderNotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "order_not_found"
    default_message = "No such order."


class DatabaseUnavailableDuringPayment(OrderPaymentPending):
    """The database failed while (or after) the card was charged: reconciliation settles the order."""


class OrderNotDownloadableYet(ConflictError):
    code = "order_not_paid"
    default_message = "This order is not paid, so there is nothing to download."


class OrderDownloadRevoked(ApplicationError):
    status_code = status.HTTP_410_GONE
    code = "download_revoked"
    default_message = "This photo can no longer be downloaded: its order was refunded or its payment is disputed."


class DownloadLinkInvalid(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "download_link_invalid"
    default_message = "This download link is not valid."


class DownloadLinkExpired(ApplicationError):
    status_code = status.HTTP_410_GONE
    code = "download_link_expired"
    default_message = "This download link has expired. Get a new one from My orders."


# --- Stripe's webhook (orders.apis.StripeWebhookApi) -------------------------------------------


class WebhookRefused(ApplicationError):
    code = "webhook_invalid"
    default_message = "Invalid Stripe signature or payload."
