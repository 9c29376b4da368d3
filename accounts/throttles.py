"""Throttles for login and signup: per client address and per account."""

import json

from accounts.models import email_normalize
from frameseller.throttling import SettingsRateThrottle


class LoginIpThrottle(SettingsRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(SettingsRateThrottle):
    scope = "login_account"

    def get_cache_key(self, request, view):
        # Read the raw body, not request.data: a parse error must reach the view intact.
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
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
