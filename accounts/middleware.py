"""Throttle the admin's login form like the API's login."""

import math

from django.http import HttpResponse
from django.urls import reverse

from accounts.throttles import AdminLoginAccountThrottle, LoginIpThrottle


class AdminLoginThrottleMiddleware:
    """Throttle the admin's login form like the API's login, on the same counters (accounts.throttles).

    Refused attempts get a plain-text 429, as fits the admin's HTML pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info == reverse("admin:login"):
            waits = [
                throttle.wait()
                for throttle in (LoginIpThrottle(), AdminLoginAccountThrottle())
                if not throttle.allow_request(request, None)
            ]
            if waits:
                response = HttpResponse(
                    "Too many login attempts. Please wait a minute and try again.\n",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(math.ceil(max(waits)))
                return response
        return self.get_response(request)
