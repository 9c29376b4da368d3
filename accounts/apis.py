"""Account endpoints: sign up, log in, refresh a token, reset a forgotten password."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import password_reset, services
from accounts.serializers import (
    LoginErrorSerializer,
    LoginInputSerializer,
    PasswordResetCheckInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    SignupInputSerializer,
    TokenOutputSerializer,
    TokenRefreshInputSerializer,
)
from accounts.throttles import (
    LoginAccountThrottle,
    LoginIpThrottle,
    PasswordResetAccountThrottle,
    PasswordResetIpThrottle,
    SignupAccountThrottle,
    SignupIpThrottle,
)
from frameseller.exceptions import EnvelopeErrorsMixin
from frameseller.serializers import DetailErrorSerializer, EnvelopeErrorSerializer, SuccessSerializer


def _json_body(request) -> dict:
    """Return the parsed body, or {} when it is not a JSON object."""
    try:
        data = request.data
    except (exceptions.ParseError, exceptions.UnsupportedMediaType):
        return {}
    return data if isinstance(data, dict) else {}


class UserSignupApi(EnvelopeErrorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SignupIpThrottle, SignupAccountThrottle]

    @extend_schema(
        operation_id="signup",
        summary="Create an account",
        request=SignupInputSerializer,
        responses={201: SuccessSerializer, 400: EnvelopeErrorSerializer, 429: EnvelopeErrorSerializer},
        examples=[
            OpenApiExample(
                "Sign up",
                value={
                    "first_name": "foo",
                    "last_name": "bar",
                    "email": "foobar@qmail.com",
                    "password": "a long passphrase",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Email taken",
                value={"success": False, "error": "An account with this email already exists."},
                response_only=True,
                status_codes=["400"],
            ),
        ],
        auth=[],
    )
    def post(self, request):
        serializer = SignupInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_signup(**serializer.validated_data)
        return Response({"success": True}, status=status.HTTP_201_CREATED)


class UserTokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIpThrottle, LoginAccountThrottle]

    @extend_schema(
        operation_id="login",
        summary="Log in: exchange email and password for a JWT",
        description="`username` is the email, matched in its canonical form (case, surrounding spaces and "
        "fullwidth letters don't matter; accents do). Any failure answers the same 400, never telling "
        "whether the email exists.",
        request=LoginInputSerializer,
        responses={200: TokenOutputSerializer, 400: LoginErrorSerializer, 429: DetailErrorSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = LoginInputSerializer(data=_json_body(request))
        if not serializer.is_valid():
            # Whatever is missing or malformed, the same answer as a wrong password.
            raise services.AuthenticationFailure()
        token = services.user_token_obtain(request=request, **serializer.validated_data)
        return Response({"token": token})


class UserTokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIpThrottle]

    @extend_schema(
        operation_id="token_refresh",
        summary="Renew a token, expired or not, within its refresh window",
        description="Send a token from a login at most 7 days ago (the refresh window), expired or not (it "
        "expires 60 minutes by default after it was issued or last renewed); get a new one with a fresh "
        "expiry. A token past its refresh window, or issued before the password changed or the account was "
        "deactivated, answers 403: log in again.",
        request=TokenRefreshInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: DetailErrorSerializer,
            403: DetailErrorSerializer,
            429: DetailErrorSerializer,
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRefreshInputSerializer(data=_json_body(request))
        serializer.is_valid(raise_exception=True)
        token = services.user_token_refresh(token=serializer.validated_data["token"])
        return Response({"token": token})


class PasswordResetApi(EnvelopeErrorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIpThrottle, PasswordResetAccountThrottle]

    @extend_schema(
        operation_id="password_reset",
        summary="Ask for a password reset link by email",
        description="Always 202, whether or not the email has an account (it never tells). For an active "
        "account, a mail goes out with a link to the site (`#/reset?uid=…&token=…`) that works once, "
        "for `PASSWORD_RESET_TIMEOUT` seconds (an hour by default).",
        request=PasswordResetInputSerializer,
        responses={202: SuccessSerializer, 400: EnvelopeErrorSerializer, 429: EnvelopeErrorSerializer},
        examples=[OpenApiExample("Forgot password", value={"email": "foobar@qmail.com"}, request_only=True)],
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset.user_password_reset_request(**serializer.validated_data)
        return Response({"success": True}, status=status.HTTP_202_ACCEPTED)


class PasswordResetCheckApi(EnvelopeErrorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIpThrottle]

    @extend_schema(
        operation_id="password_reset_check",
        summary="Tell whether a reset link still works, before a new password is typed",
        description="Changes nothing. 200 while the link works; 400 `password_reset_refused` for a link that "
        "is wrong, used or expired (the site then asks for a new one at once). Counted with the confirmations.",
        request=PasswordResetCheckInputSerializer,
        responses={200: SuccessSerializer, 400: EnvelopeErrorSerializer, 429: EnvelopeErrorSerializer},
        examples=[
            OpenApiExample(
                "Link used or expired",
                value={
                    "success": False,
                    "error": password_reset.INVALID_LINK_MESSAGE,
                    "code": "password_reset_refused",
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset.password_reset_link_user(**serializer.validated_data)
        return Response({"success": True})


class PasswordResetConfirmApi(EnvelopeErrorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIpThrottle]

    @extend_schema(
        operation_id="password_reset_confirm",
        summary="Set a new password with the link of a reset mail",
        description="Sets the password and ends the link, every other reset link and every login token "
        "issued before. 400 for a link that is wrong, used or expired, or a password the validators reject "
        "(then `errors.password` lists why).",
        request=PasswordResetConfirmInputSerializer,
        responses={200: SuccessSerializer, 400: EnvelopeErrorSerializer, 429: EnvelopeErrorSerializer},
        examples=[
            OpenApiExample(
                "Link used or expired",
                value={"success": False, "error": password_reset.INVALID_LINK_MESSAGE},
                response_only=True,
                status_codes=["400"],
            ),
        ],
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset.user_password_reset_confirm(**serializer.validated_data)
        return Response({"success": True})
