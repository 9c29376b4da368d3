"""Shoppers: the email address is the login."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


def email_normalize(email: str) -> str:
    """Return the canonical form of an email: trimmed and lower-cased."""
    return (email or "").strip().lower()


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user_object(self, username, email, password, **extra_fields):
        email = email_normalize(email or username)
        user = self.model(email=email, **extra_fields)
        user.password = ""
        user.set_password(password)
        return user

    def _create_user(self, username, email, password, **extra_fields):
        user = self._create_user_object(username, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(None, email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email=email_normalize(username))


class User(AbstractUser):
    """A shopper or an operator, identified by a unique, lower-cased email."""

    username = None
    email = models.EmailField("email address", unique=True)
    # The Stripe Customer that holds this shopper's cards, created on first purchase.
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
