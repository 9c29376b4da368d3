"""Throttles for login and signup: per client address and per account.

The admin's login form counts on the same counters as the API's login (see
accounts.middleware.AdminLoginThrottleMiddleware): two doors, one limit.
"""

from accounts.models import email_normalize
from frameseller.parsers import request_data_peek
from frameseller.throttling import SettingsRateThrottle


class LoginIpThrottle(SettingsRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(SettingsRateThrottle):
    """Count attempts per account: by the email in its canonical form, the one the login looks up."""

    scope = "login_account"

    def submitted_email(self, request) -> object:
        # What the view will read, decoded as it decodes it (a latin-1 body counts like a UTF-8 one).
        data = request_data_peek(request)
        if data is None:
            return None
        return data.get("username") or data.get("email")

    def get_cache_key(self, request, view):
        email = self.submitted_email(request)
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email_normalize(email)}


class SignupIpThrottle(LoginIpThrottle):
    scope = "signup_ip"


class SignupAccountThrottle(LoginAccountThrottle):
    scope = "signup_account"


class AdminLoginAccountThrottle(LoginAccountThrottle):
    """The login account throttle for the admin's form, which posts `username` form-encoded."""

    def submitted_email(self, request) -> object:
        return request.POST.get("username")


class PasswordResetIpThrottle(LoginIpThrottle):
    """Password reset requests and confirmations per client address."""

    scope = "password_reset_ip"


class PasswordResetAccountThrottle(LoginAccountThrottle):
    """Password reset mails per email asked for, whatever the address: nobody floods a shopper's inbox."""

    scope = "password_reset_account"
