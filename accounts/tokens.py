"""What a login token carries, and whether it still stands for its user.

A token names its user and carries a stamp of that user's password (`pwd`), so that changing or
resetting the password ends every token issued before; deactivating or deleting the user ends them
too. Both the authentication of each request and the token refresh ask `token_user()`.
"""

from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

PASSWORD_CLAIM = "pwd"


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
    user = User.objects.filter(pk=user_id, is_active=True).first()
    stamp = payload.get(PASSWORD_CLAIM)
    if user is None or not isinstance(stamp, str):
        return None
    if not constant_time_compare(stamp, token_password_stamp(user)):
        return None
    return user
