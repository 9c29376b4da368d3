"""Password reset: mail a one-time link to the site, then set the new password it was asked for.

The link carries the user's id and a token from Django's PasswordResetTokenGenerator: it is valid for
PASSWORD_RESET_TIMEOUT seconds and only while the password (and last login) is what it was when the
link was made, so using it once, or any other password change, ends it. Changing the password also
ends every login token issued before (accounts.tokens).
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User, email_normalize
from frameseller.exceptions import ApplicationError

logger = logging.getLogger(__name__)

INVALID_LINK_MESSAGE = "This password reset link is invalid, used or expired. Please ask for a new one."


class PasswordResetRefused(ApplicationError):
    """The reset link is wrong, used or expired: the shopper asks for a new one."""

    code = "password_reset_refused"
    default_message = INVALID_LINK_MESSAGE


class PasswordResetPasswordInvalid(PasswordResetRefused):
    """The link is good, the new password is not (the validators say why): the shopper chooses another."""

    code = "new_password_invalid"


def password_reset_url(user: User) -> str:
    """Return the site's address where `user` can choose a new password (#/reset?uid=…&token=…)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    query = urlencode({"uid": uid, "token": default_token_generator.make_token(user)})
    return f"{settings.SHOP_URL.rstrip('/')}/#/reset?{query}"


def _valid_for() -> str:
    minutes = max(settings.PASSWORD_RESET_TIMEOUT // 60, 1)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minutes"


def user_password_reset_request(*, email: str) -> None:
    """Have the worker mail a reset link to the active account with this email, if there is one.

    The request does the same work whether or not the email has an account: it only enqueues the
    task (one insert), and the worker looks the account up. Its answer and its timing tell nothing.
    """
    from accounts.tasks import password_reset_mail_task

    password_reset_mail_task.enqueue(email=email_normalize(email))


def user_password_reset_mail(*, email: str) -> bool:
    """Mail a reset link to the active account with this email, if there is one; return whether a mail went out.

    Run by the worker (accounts.tasks); a failing mail service raises, for the task to retry.
    """
    user = User.objects.filter(email=email_normalize(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    context = {
        "first_name": user.first_name,
        "email": user.email,
        "reset_url": password_reset_url(user),
        "valid_for": _valid_for(),
    }
    send_mail(
        subject="Reset your FrameSeller password",
        message=render_to_string("accounts/password_reset_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


def _user_from_uid(uid: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uid).decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def password_reset_link_user(*, uid: str, token: str) -> User:
    """Return the user a reset link still works for; refuse a wrong, used or expired link."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise PasswordResetRefused()
    return user


def user_password_reset_confirm(*, uid: str, token: str, password: str) -> User:
    """Set the new password a valid reset link was made for; refuse a bad link or a weak password."""
    user = password_reset_link_user(uid=uid, token=token)
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as error:
        messages = list(error.messages)
        raise PasswordResetPasswordInvalid(" ".join(messages), extra={"errors": {"password": messages}}) from error
    user.set_password(password)
    user.save(update_fields=["password"])
    logger.info("Password of user %s reset", user.pk)
    return user
