"""Domain errors and the one place that turns errors into HTTP answers."""

import logging
from typing import NamedTuple

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Please try again in a minute."

# Every error answer carries a `code`: a stable identifier a program switches on (the sentence is for
# people and may change). Each is listed in docs/api.md ("Error codes") and in the schema (CodeEnum).
SERVICE_UNAVAILABLE = "service_unavailable"
SERVER_ERROR = "server_error"
# DRF's own errors answer their class's default_code. A subclass answers its base's (simplejwt's
# InvalidToken answers `authentication_failed`), so that a library cannot add a code no client knows.
FRAMEWORK_ERRORS = (
    exceptions.ValidationError,
    exceptions.ParseError,
    exceptions.AuthenticationFailed,
    exceptions.NotAuthenticated,
    exceptions.PermissionDenied,
    exceptions.NotFound,
    exceptions.MethodNotAllowed,
    exceptions.NotAcceptable,
    exceptions.UnsupportedMediaType,
    exceptions.Throttled,
)
OTHER_ERROR = exceptions.APIException.default_code  # "error": any other failure
# The codes of the error pages Django makes before (or instead of) a view, answered as JSON by
# frameseller.middleware, by status.
STATUS_CODES = {
    400: "bad_request",
    403: exceptions.PermissionDenied.default_code,
    404: exceptions.NotFound.default_code,
    405: exceptions.MethodNotAllowed.default_code,
    411: "length_required",
    413: "request_too_large",
    # Answered before Django, by nginx or gunicorn (.platform/nginx/nginx.conf, gunicorn.conf.py).
    414: "uri_too_long",
    431: "headers_too_large",
    500: SERVER_ERROR,
    503: SERVICE_UNAVAILABLE,
}


class ApplicationError(Exception):
    """A business rule refused the request; `message` is shown to the person, `code` read by programs.

    Every subclass names its own `code` (docs/api.md lists them all).
    """

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    default_message = "The request could not be processed."
    # Seconds a client should wait before trying again (the Retry-After header), when it may.
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, extra: dict | None = None):
        self.message = message or self.default_message
        self.extra = extra or {}
        super().__init__(self.message)


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_message = "The request conflicts with one in progress."


def error_codes() -> list[str]:
    """Return every code an error answer may carry, sorted (for the schema: frameseller.serializers)."""
    codes = {error.default_code for error in FRAMEWORK_ERRORS} | {OTHER_ERROR, *STATUS_CODES.values()}
    errors = [ApplicationError]
    while errors:
        error = errors.pop()
        errors.extend(error.__subclasses__())
        if error.status_code >= 400:  # a subclass that is not a failure is never answered as one
            codes.add(error.code)
    return sorted(codes)


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def _first_message(detail, field: str | None = None) -> str:
    """Flatten DRF error details into one sentence a person can read."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = None if key in ("non_field_errors", "detail") else key
            return _first_message(value, inner or field)
        return "Invalid input."
    if isinstance(detail, list):
        return _first_message(detail[0], field) if detail else "Invalid input."
    text = str(detail)
    return f"{_label(field)}: {text}" if field else text


class Answer(NamedTuple):
    status: int
    message: str
    code: str
    extra: dict
    headers: dict


def error_body(message: str, code: str, **extra) -> dict:
    """The `{"detail": …, "code": …}` body of an error answered outside the exception handler."""
    return {"detail": message, "code": code, **extra}


def framework_code(exc: exceptions.APIException) -> str:
    """The code of one of DRF's errors: its class's, or its base's for a subclass."""
    for error in FRAMEWORK_ERRORS:
        if isinstance(exc, error):
            return error.default_code
    return OTHER_ERROR


def _describe(exc) -> Answer | None:
    """Describe a known error's answer; None for an unexpected one."""
    headers: dict = {}
    extra: dict = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        return Answer(exc.status_code, exc.message, exc.code, dict(exc.extra), headers)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable: a JSON 503 the client may retry, never a bare 500.
        logger.error("Database unavailable: %s", exc)
        return Answer(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            DATABASE_UNAVAILABLE_MESSAGE,
            SERVICE_UNAVAILABLE,
            {},
            {"Retry-After": "30"},
        )
    if not isinstance(exc, exceptions.APIException):
        return None
    code = framework_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            extra = {"errors": exc.detail}
        return Answer(exc.status_code, _first_message(exc.detail), code, extra, headers)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # Not JSON is bad input like any other: 400, as the contract says.
        message = "Send the request body as JSON (Content-Type: application/json)."
        return Answer(status.HTTP_400_BAD_REQUEST, message, code, {}, {})
    message = _first_message(exc.detail)
    if isinstance(exc, exceptions.AuthenticationFailed):
        message = "Your login token is invalid or has expired. Please log in again."
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = "Please log in: this needs an Authorization: JWT <token> header."
    elif isinstance(exc, exceptions.Throttled):
        message = "Too many attempts. Please wait a minute and try again."
        if exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
    return Answer(exc.status_code, message, code, extra, headers)


def _unexpected(context) -> Response:
    """Log an unexpected error, roll back, answer a JSON 500 (also with DEBUG on)."""
    view = context.get("view")
    logger.exception("Unhandled error in %s", view.__class__.__name__ if view else "view")
    set_rollback()
    return Response(error_body("Internal server error.", SERVER_ERROR), status=500)


def exception_handler(exc, context):
    """Answer every error as JSON: `{"detail": "<sentence>", "code": "<code>"}` plus any extra keys."""
    answer = _describe(exc)
    if answer is None:
        return _unexpected(context)
    set_rollback()
    body = error_body(answer.message, answer.code, **answer.extra)
    return Response(body, status=answer.status, headers=answer.headers)


def envelope_exception_handler(exc, context):
    """Answer errors in the seed's envelope `{"success": false, "error": "<sentence>", "code": "<code>"}`.

    403s keep `detail` too.
    """
    answer = _describe(exc)
    if answer is None:
        return _unexpected(context)
    set_rollback()
    data = {"success": False, "error": answer.message, "code": answer.code}
    if answer.status in (401, 403):
        data["detail"] = answer.message
    return Response({**data, **answer.extra}, status=answer.status, headers=answer.headers)


# For the views of the seed's signup and order endpoints, whose errors use the
# `success`/`error` envelope. (A comment, not a docstring: the OpenAPI schema
# would show a docstring as every such endpoint's description.)
class EnvelopeErrorsMixin:
    def get_exception_handler(self):
        return envelope_exception_handler
