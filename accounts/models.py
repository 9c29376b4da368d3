"""Shoppers: the email address is the login."""

import unicodedata

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.dispatch import Signal

# Sent after a queryset `update()` of users, which sends no `post_save`, with `pks`: the ids of the
# rows it changed (read just before). The token user cache (accounts.tokens) forgets them.
users_updated = Signal()


def email_normalize(email: str) -> str:
    """Return the one canonical form of an email: NFKC-normalised, trimmed and lower-cased.

    Stored emails are in this form and compared byte for byte (on MySQL too, see migration 0002), so
    an email matches exactly one account and the login throttle counts per account. NFKC folds look-
    alikes that are the same text (fullwidth letters, the Kelvin sign, the long s) into one spelling,
    as Django does for usernames; a different letter (`í` for `i`) is a different email.
    """
    return unicodedata.normalize("NFKC", email or "").strip().lower()


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Update the rows as QuerySet.update does, then send `users_updated` with their ids.

        `bulk_update()` goes through here too. Raw SQL does not: write users through the ORM.
        """
        pks = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        if pks:
            users_updated.send(sender=self.model, pks=pks)
        return count

    update.alters_data = True


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Create users by email (there is no username)."""

    use_in_migrations = True

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self.model(email=email_normalize(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email=None, password=None, **extra_fields):
        return self.create_user(email, password, **{**extra_fields, "is_staff": True, "is_superuser": True})

    def get_by_natural_key(self, username):
        return self.get(email=email_normalize(username))


class User(AbstractUser):
    """A shopper or an operator, identified by a unique email in canonical form (email_normalize)."""

    username = None
    email = models.EmailField("email address", unique=True)
    # The Stripe Customer that holds this shopper's cards. Owned by the orders app:
    # written only by orders.customers (created on first purchase, replaced if Stripe lost it).
    stripe_customer_id = models.CharField(max_length=255, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        self.email = email_normalize(self.email)
        super().save(*args, **kwargs)

    def __str__(self):
        return self.email
