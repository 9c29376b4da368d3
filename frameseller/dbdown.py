"""Answer 503 JSON, not a 500, when the database is unreachable outside the API's own views.

DRF views answer it themselves (frameseller.exceptions). Anything else that
touches the database (the admin, sessions, a middleware) raises on its way;
Django turns that into a 500 and signals the exception, which marks the
request here so that the answer becomes the same 503 JSON the API gives.
"""

import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import JsonResponse

from frameseller.exceptions import DATABASE_UNAVAILABLE_MESSAGE, SERVICE_UNAVAILABLE, error_body

_MARK = "_frameseller_database_unavailable"


@receiver(got_request_exception)
def _mark_database_unavailable(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Turn the 500 of a request that failed on an unreachable database into 503 JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            response = JsonResponse(error_body(DATABASE_UNAVAILABLE_MESSAGE, SERVICE_UNAVAILABLE), status=503)
            response["Retry-After"] = "30"
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            setattr(request, _MARK, True)
        return None
