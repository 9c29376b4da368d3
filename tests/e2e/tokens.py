"""Tokens like the API's, made by the tests: expired, about to expire, or signed with another key."""

import time

import jwt
from django.conf import settings

from accounts.tokens import token_claims


def forge_token(user, *, expires_in: int, key: str | None = None, refresh_in: int | None = None) -> str:
    """A JWT like the API's, signed with the server's key (or another one), expiring in `expires_in` s.

    It can be renewed for `refresh_in` seconds (by default until it expires).
    """
    now = int(time.time())
    payload = {
        "token_type": "sliding",
        "exp": now + expires_in,
        "iat": now - 3600,
        "jti": f"e2e{now}",
        "refresh_exp": now + (expires_in if refresh_in is None else refresh_in),
        **token_claims(user),  # user_id, names, and the password stamp the API checks
    }
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
