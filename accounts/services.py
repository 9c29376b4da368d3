"""Account services: sign up and issue login tokens."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.tokens import SlidingToken

from accounts.models import User, email_normalize
from frameseller.exceptions import ApplicationError

AUTHORIZATION_FAILURE = "authorization failure"


class SignupError(ApplicationError):
    default_message = "The account could not be created."


class AuthenticationFailure(ApplicationError):
    default_message = AUTHORIZATION_FAILURE

    def __init__(self):
        # `non_field_errors` keeps clients written for the first deployment working.
        super().__init__(AUTHORIZATION_FAILURE, extra={"non_field_errors": [AUTHORIZATION_FAILURE]})


def user_signup(*, email: str, password: str, first_name: str, last_name: str) -> User:
    """Create a shopper's account; refuse a taken email or a weak password."""
    email = email_normalize(email)
    if User.objects.filter(email=email).exists():
        raise SignupError(
            "An account with this email already exists.",
            extra={"errors": {"email": ["An account with this email already exists."]}},
        )
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
        raise SignupError(
            "An account with this email already exists.",
            extra={"errors": {"email": ["An account with this email already exists."]}},
        ) from error
    return user


def user_token_issue(*, user: User) -> str:
    """Issue a signed JWT naming the shopper, for the site to greet them."""
    token = SlidingToken.for_user(user)
    token["user_id"] = user.pk  # an integer, as the first deployment sent it
    token["email"] = user.email
    token["first_name"] = user.first_name
    token["last_name"] = user.last_name
    return str(token)


def user_token_obtain(*, request, username: str, password: str) -> str:
    """Check the email and password and return a JWT, or fail without saying which was wrong."""
    user = authenticate(request, email=email_normalize(username), password=password)
    if user is None:
        raise AuthenticationFailure()
    return user_token_issue(user=user)
