"""The shopper's Stripe Customer and the cards attached to it.

`User.stripe_customer_id` is written here and nowhere else.
"""

import logging

from accounts.models import User
from orders import payments

logger = logging.getLogger(__name__)


def user_stripe_customer(*, user: User, replacing: str = "") -> str:
    """Return the shopper's Stripe Customer id, creating the customer once (or again, `replacing` a lost one).

    A `user.stripe_customer_id` already set is taken as it is (a purchase reads it
    under the shopper's row lock); an empty one, or the one being replaced, is
    read again, in case another request has just made the customer.
    """
    if not user.stripe_customer_id or user.stripe_customer_id == replacing:
        user.refresh_from_db(fields=["stripe_customer_id"])
    if user.stripe_customer_id and user.stripe_customer_id != replacing:
        return user.stripe_customer_id
    customer = payments.customer_create(
        user_id=user.pk,
        email=user.email,
        name=f"{user.first_name} {user.last_name}".strip(),
        replacing=replacing,
    )
    # Keep the first one remembered if two purchases raced to create it.
    User.objects.filter(pk=user.pk, stripe_customer_id=user.stripe_customer_id).update(stripe_customer_id=customer.id)
    user.refresh_from_db(fields=["stripe_customer_id"])
    return user.stripe_customer_id


def user_card_attach(*, user: User, token: str, idempotency_key: str) -> tuple[str, payments.Card]:
    """Attach the card behind a Stripe.js token to the shopper's customer; return (customer id, card).

    A customer remembered here but gone from Stripe (deleted, or from another
    Stripe account or mode) is replaced once, rather than blamed on the card.
    """
    customer_id = user_stripe_customer(user=user)
    try:
        card = payments.card_attach(customer_id=customer_id, token=token, idempotency_key=idempotency_key)
    except payments.PaymentDeclined:
        if payments.customer_exists(customer_id=customer_id):
            raise
        logger.warning("Stripe customer %s of user %s is gone; creating another", customer_id, user.pk)
        customer_id = user_stripe_customer(user=user, replacing=customer_id)
        card = payments.card_attach(customer_id=customer_id, token=token, idempotency_key=f"{idempotency_key}-2")
    return customer_id, card
