"""What a login token carries, and whether it still stands for its user.

A token names its user and carries a stamp of that user's password (`pwd`), so that changing or
resetting the password ends every token issued before; deactivating or deleting the user ends them
too. Both the authentication of each request and the token refresh ask `token_user()`.

With a shared cache (Redis), `token_user()` keeps what it read of a user there for
TOKEN_USER_CACHE_SECONDS, so that an authenticated request costs no query for its user. Every
save, queryset update or deletion of a user ends what is kept (`token_user_forget()`, from a
signal, at once and again after the commit): a password change, reset, deactivation or deletion ends earlier tokens
as before. What is kept is the user's fields without the password hash, and the token stamp of it.
"""

import functools
import logging
import uuid

import jwt
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import SlidingToken

from accounts.models import User

logger = logging.getLogger(__name__)

PASSWORD_CLAIM = "pwd"
# The time claims a token may carry: seconds since the epoch, as integers Python's dates can hold.
_TIME_CLAIMS = ("exp", "refresh_exp", "iat", "nbf")
_TIME_MAX = 253402300799  # 9999-12-31T23:59:59Z


class LoginToken(SlidingToken):
    """The login token: simplejwt's sliding token, whose time claims must be integer seconds.

    A token signed with the server's key but carrying `"exp": "9999999999"` or `1e20` passes the
    signature check; simplejwt would then fail turning it into a date (a 500). It is refused instead.
    """

    def verify(self) -> None:
        self._verify_time_claims()
        super().verify()

    @classmethod
    def for_renewal(cls, token: str) -> "LoginToken":
        """Return a correctly signed login token to renew: its `exp` may have passed, its refresh window not.

        A shopper away longer than the token's lifetime (a laptop asleep) keeps their login until
        the refresh window closes, as long as the token still stands for them (the password stamp,
        checked by the caller); an expired token still opens nothing but the renewal.
        """
        renewal = cls(token, verify=False)  # decoded: the signature is checked next, its `exp` is not
        backend = renewal.get_token_backend()
        try:
            jwt.decode(
                token, backend.get_verifying_key(token), algorithms=[backend.algorithm], options={"verify_exp": False}
            )
        except jwt.InvalidTokenError as error:
            raise TokenError("Token is invalid or expired") from error
        renewal._verify_time_claims()
        renewal.verify_token_type()
        renewal.check_exp(jwt_settings.SLIDING_TOKEN_REFRESH_EXP_CLAIM)
        return renewal

    def _verify_time_claims(self) -> None:
        for claim in _TIME_CLAIMS:
            if claim in self.payload:
                value = self.payload[claim]
                if type(value) is not int or not 0 <= value <= _TIME_MAX:
                    raise TokenError("Token is invalid or expired")


def token_password_stamp(user: User) -> str:
    """Return a short stamp of the user's current password, for a token to carry.

    Derived from Django's session auth hash (an HMAC of the password hash under SECRET_KEY, which is
    what ends a user's sessions on a password change), through one more HMAC so that what a token
    shows in the clear is used for nothing else. 64 bits: enough that an old token never matches a
    new password by chance.
    """
    return salted_hmac("accounts.tokens.password", user.get_session_auth_hash(), algorithm="sha256").hexdigest()[:16]


def token_claims(user: User) -> dict:
    """Return the claims a new token carries besides the standard ones; the 2017 clients read these names."""
    return {
        "user_id": user.pk,  # an integer, as the first deployment sent it
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        PASSWORD_CLAIM: token_password_stamp(user),
    }


def token_user(payload) -> User | None:
    """Return the active user a correctly signed token stands for, or None if it stands for nobody now.

    Nobody: the user id is not an integer (a token signed with a leaked key, or by another program),
    the user is gone or deactivated, or the password changed since the token was issued.
    """
    user_id = payload.get("user_id")
    if type(user_id) is not int:  # not bool, float or str: the id must be what token_claims() wrote
        return None
    stamp = payload.get(PASSWORD_CLAIM)
    if not isinstance(stamp, str):
        return None
    found = _active_user(user_id)
    if found is None:
        return None
    user, user_stamp = found
    if not constant_time_compare(stamp, user_stamp):
        return None
    return user


# What the cache keeps of a user: every field but the password hash (its stamp is kept instead) and
# the Stripe customer id (orders.customers reads and writes it in the database only).
_KEPT_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.name not in ("password", "stripe_customer_id")
)
# A version outlives the entries made under it, so that an entry never outlives its version.
_VERSION_SECONDS = 24 * 60 * 60


def _cache_keys(user_id: int) -> tuple[str, str]:
    """The keys of a user's version and entry, scoped to the secret key (the stamps are HMACs under it) and to
    the kept fields: another deployment's entries (a rolled key, a new field) are never read."""
    scope = _cache_scope(settings.SECRET_KEY)
    return f"token-user:{scope}:{user_id}:version", f"token-user:{scope}:{user_id}"


@functools.lru_cache(maxsize=4)
def _cache_scope(secret_key: str) -> str:
    """Computed once per secret key, not on every authenticated request."""
    return salted_hmac(
        "accounts.tokens.cache", ",".join(_KEPT_FIELDS), secret=secret_key, algorithm="sha256"
    ).hexdigest()[:12]


def _active_user(user_id: int) -> tuple[User, str] | None:
    """Return (the active user with this id, the stamp of their password), from the cache when it has them.

    An entry counts only under the user's current version: `token_user_forget()` gives the user a new
    one, so an entry written from a read made before a change (a request racing a password change)
    is never used.
    """
    seconds = settings.TOKEN_USER_CACHE_SECONDS
    if not seconds:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        return None if user is None else (user, token_password_stamp(user))
    version_key, user_key = _cache_keys(user_id)
    try:
        found = cache.get_many([version_key, user_key])
    except Exception:  # noqa: BLE001 - the cache is an optimisation: without it, the database answers
        logger.warning("Token user cache unavailable", exc_info=True)
        found, seconds = {}, 0
    version, entry = found.get(version_key), found.get(user_key)
    if version is not None and entry is not None and entry[0] == version:
        _, stamp, values = entry
        return User.from_db(DEFAULT_DB_ALIAS, _KEPT_FIELDS, values), stamp
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    stamp = token_password_stamp(user)
    if seconds:
        _cache_keep(user, stamp, version, seconds)
    return user, stamp


def _cache_keep(user: User, stamp: str, version: str | None, seconds: int) -> None:
    version_key, user_key = _cache_keys(user.pk)
    try:
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(version_key, version, _VERSION_SECONDS):
                return  # a change or another request set one meanwhile: keep nothing this time
        cache.set(user_key, (version, stamp, tuple(getattr(user, name) for name in _KEPT_FIELDS)), seconds)
    except Exception:  # noqa: BLE001 - see _active_user
        logger.warning("Token user cache unavailable", exc_info=True)


def token_user_forget(user_id: int) -> None:
    """End what the cache keeps of a user (called for every save or deletion, at once and after the commit)."""
    if not settings.TOKEN_USER_CACHE_SECONDS:
        return

    def forget():
        try:
            cache.set(_cache_keys(user_id)[0], uuid.uuid4().hex, _VERSION_SECONDS)
        except Exception:  # noqa: BLE001 - entries then end with their TOKEN_USER_CACHE_SECONDS
            logger.error("Token user cache unavailable: user %s's kept data ends only by expiry", user_id)

    forget()
    transaction.on_commit(forget)


def _user_changed(sender, instance: User, **kwargs) -> None:
    token_user_forget(instance.pk)


def _users_updated(sender, pks: list[int], **kwargs) -> None:
    for pk in pks:
        token_user_forget(pk)
