"""Throttles for login and signup: per client address and per account."""

import json

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import email_normalize


class _SettingsRateThrottle(SimpleRateThrottle):
    """Read the rate from settings.THROTTLE_RATES each time (environment-driven)."""

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)


class LoginIpThrottle(_SettingsRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(_SettingsRateThrottle):
    scope = "login_account"

    def get_cache_key(self, request, view):
        # Read the raw body, not request.data: a parse error must reach the view intact.
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        email = data.get("username") or data.get("email")
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email_normalize(email)}


class SignupIpThrottle(LoginIpThrottle):
    scope = "signup_ip"


class SignupAccountThrottle(LoginAccountThrottle):
    scope = "signup_account"


class OrderUserThrottle(_SettingsRateThrottle):
    scope = "order_user"

    def allow_request(self, request, view):
        if request.method == "GET":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
