"""Domain errors and the one place that turns errors into HTTP answers."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


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


def exception_handler(exc, context):
    """Answer every error as JSON; views with `error_envelope` get the seed's shape."""
    view = context.get("view")
    headers = {}
    extra: dict = {}

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        status_code, message, extra = exc.status_code, exc.message, dict(exc.extra)
    elif isinstance(exc, exceptions.ValidationError):
        status_code, message = exc.status_code, _first_message(exc.detail)
        if isinstance(exc.detail, dict):
            extra = {"errors": exc.detail}
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        # Not JSON is bad input like any other: 400, as the contract says.
        status_code = status.HTTP_400_BAD_REQUEST
        message = "Send the request body as JSON (Content-Type: application/json)."
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        message = _first_message(exc.detail)
        if isinstance(exc, exceptions.AuthenticationFailed):
            message = "Your login token is invalid or has expired. Please log in again."
        elif isinstance(exc, exceptions.NotAuthenticated):
            message = "Please log in: this needs an Authorization: JWT <token> header."
        if isinstance(exc, exceptions.Throttled):
            message = "Too many attempts. Please wait a minute and try again."
            if exc.wait:
                headers["Retry-After"] = str(int(exc.wait))
    else:
        # Unexpected: log it, roll back, answer a JSON 500 (also with DEBUG on).
        logger.exception("Unhandled error in %s", view.__class__.__name__ if view else "view")
        set_rollback()
        return Response({"detail": "Internal server error."}, status=500)

    set_rollback()
    if getattr(view, "error_envelope", False):
        data = {"success": False, "error": message}
        if status_code in (401, 403):
            data["detail"] = message
    else:
        data = {"detail": message}
    data.update(extra)
    return Response(data, status=status_code, headers=headers)
