"""JWT authentication that answers 403, as the contract requires."""

from rest_framework_simplejwt import authentication


class JWTAuthentication(authentication.JWTAuthentication):
    """Accept `JWT <token>` and `Bearer <token>`; failures answer 403, not 401.

    DRF answers 401 only when the first authenticator names a
    `WWW-Authenticate` challenge; returning none turns failures into 403.
    """

    def authenticate_header(self, request):
        return None
