"""JWT authentication for every app's API: failures answer 403, as the contract requires."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework_simplejwt import authentication

from accounts.tokens import token_user


class JWTAuthentication(authentication.JWTAuthentication):
    """Accept `JWT <token>` and `Bearer <token>`; failures answer 403, not 401.

    DRF answers 401 only when the first authenticator names a
    `WWW-Authenticate` challenge; returning none turns failures into 403.
    """

    def authenticate_header(self, request):
        return None

    def get_user(self, validated_token):
        """Return the token's user, unless the user is gone or deactivated or the password changed since."""
        user = token_user(validated_token.payload)
        if user is None:
            raise exceptions.AuthenticationFailed("This token no longer stands for an active account.")
        return user


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describe the JWT header in the OpenAPI schema (registered when this module is imported)."""

    target_class = JWTAuthentication
    match_subclasses = True
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`JWT <token>` (or `Bearer <token>`), the token from /api/api-token-auth/. "
            "A missing, invalid or expired token answers 403.",
        }
