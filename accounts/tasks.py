"""The accounts' background tasks, run by the worker (`manage.py run_worker`; frameseller.tasks)."""

import smtplib

from django.db import DatabaseError
from django.tasks import task

from accounts.password_reset import user_password_reset_mail
from frameseller.tasks import retried


# 4 attempts over about 4 minutes (30 s, 1, 2 min): the link works for PASSWORD_RESET_TIMEOUT
# (1 hour), and a shopper kept waiting longer asks again. A repeat after a crash mails a second
# link, which is as good as the first (both end when the password changes).
@retried(attempts=4, backoff_seconds=30, on=(DatabaseError, OSError, smtplib.SMTPException))
@task
def password_reset_mail_task(*, email: str) -> str:
    """Mail a password reset link to the account with this email, if there is one (accounts.password_reset)."""
    return "sent" if user_password_reset_mail(email=email) else "no active account"
