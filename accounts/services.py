"""Account services: sign up, issue and renew login tokens."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError

from accounts.models import User, email_normalize
from accounts.tokens import LoginToken, token_claims, token_user
from frameseller.exceptions import ApplicationError

AUTHORIZATION_FAILURE = "authorization failure"


class SignupError(ApplicationError):
    """The account could not be created: the password validators refused the password."""

    code = "signup_invalid"
    default_message = "The account could not be created."


class SignupEmailTaken(SignupError):
    code = "email_taken"
    default_message = "An account with this email already exists."

    def __init__(self):
        super().__init__(extra={"errors": {"email": [self.default_message]}})


class TokenRefused(ApplicationError):
    status_code = 403
    code = "token_refused"
    default_message = "Token is invalid or expired."


class AuthenticationFailure(ApplicationError):
    code = "login_failed"
    default_message = AUTHORIZATION_FAILURE

    def __init__(self):
        # `non_field_errors` keeps clients written for the first deployment working.
        super().__init__(AUTHORIZATION_FAILURE, extra={"non_field_errors": [AUTHORIZATION_FAILURE]})


def user_signup(*, email: str, password: str, first_name: str, last_name: str) -> User:
    """Create a shopper's account; refuse a taken email or a weak password."""
    email = email_normalize(email)
    if User.objects.filter(email=email).exists():
        raise SignupEmailTaken()
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as error:
        messages = list(error.messages)
        raise SignupError(" ".join(messages), extra={"errors": {"password": messages}}) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a concurrent signup with the same email won
        raise SignupEmailTaken() from error
    return user


def user_token_issue(*, user: User) -> str:
    """Issue a signed JWT naming the shopper, for the site to greet them, valid until their password changes."""
    token = LoginToken.for_user(user)
    for claim, value in token_claims(user).items():
        token[claim] = value
    return str(token)


def user_token_refresh(*, token: str) -> str:
    """Renew a token within its refresh window (expired or not), if it still stands for an active user's password."""
    try:
        sliding = LoginToken.for_renewal(token)
    except TokenError as error:
        raise TokenRefused() from error
    if token_user(sliding.payload) is None:
        raise TokenRefused()
    sliding.set_exp()
    sliding.set_iat()
    return str(sliding)


def user_token_obtain(*, request, username: str, password: str) -> str:
    """Check the email and password and return a JWT, or fail without saying which was wrong."""
    user = authenticate(request, email=email_normalize(username), password=password)
    if user is None:
        raise AuthenticationFailure()
    return user_token_issue(user=user)
