"""Domain errors and the one place that turns errors into HTTP answers."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Please try again in a minute."


class ApplicationError(Exception):
    """A business rule refused the request; `message` is shown to the person."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, extra: dict | None = None):
        self.message = message or self.default_message
        self.extra = extra or {}
        super().__init__(self.message)


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_message = "The request conflicts with one in progress."


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


def _describe(exc) -> tuple[int, str, dict, dict] | None:
    """Return (status, message, extra keys, headers) for a known error; None for an unexpected one."""
    headers: dict = {}
    extra: dict = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        return exc.status_code, exc.message, dict(exc.extra), headers
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable: a JSON 503 the client may retry, never a bare 500.
        logger.error("Database unavailable: %s", exc)
        return status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, {}, {"Retry-After": "30"}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            extra = {"errors": exc.detail}
        return exc.status_code, _first_message(exc.detail), extra, headers
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # Not JSON is bad input like any other: 400, as the contract says.
        return status.HTTP_400_BAD_REQUEST, "Send the request body as JSON (Content-Type: application/json).", {}, {}
    if not isinstance(exc, exceptions.APIException):
        return None
    message = _first_message(exc.detail)
    if isinstance(exc, exceptions.AuthenticationFailed):
        message = "Your login token is invalid or has expired. Please log in again."
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = "Please log in: this needs an Authorization: JWT <token> header."
    elif isinstance(exc, exceptions.Throttled):
        message = "Too many attempts. Please wait a minute and try again."
        if exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
    return exc.status_code, message, extra, headers


def _unexpected(context) -> Response:
    """Log an unexpected error, roll back, answer a JSON 500 (also with DEBUG on)."""
    view = context.get("view")
    logger.exception("Unhandled error in %s", view.__class__.__name__ if view else "view")
    set_rollback()
    return Response({"detail": "Internal server error."}, status=500)


def exception_handler(exc, context):
    """Answer every error as JSON: `{"detail": "<sentence>"}` plus any extra keys."""
    described = _describe(exc)
    if described is None:
        return _unexpected(context)
    status_code, message, extra, headers = described
    set_rollback()
    return Response({"detail": message, **extra}, status=status_code, headers=headers)


def envelope_exception_handler(exc, context):
    """Answer errors in the seed's envelope `{"success": false, "error": "<sentence>"}` (403s keep `detail`)."""
    described = _describe(exc)
    if described is None:
        return _unexpected(context)
    status_code, message, extra, headers = described
    set_rollback()
    data = {"success": False, "error": message}
    if status_code in (401, 403):
        data["detail"] = message
    return Response({**data, **extra}, status=status_code, headers=headers)


# For the views of the seed's signup and order endpoints, whose errors use the
# `success`/`error` envelope. (A comment, not a docstring: the OpenAPI schema
# would show a docstring as every such endpoint's description.)
class EnvelopeErrorsMixin:
    def get_exception_handler(self):
        return envelope_exception_handler
