"""The admin's door: open only to the networks allowed, and its login form throttled like the API's login."""

import functools
import ipaddress
import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from accounts.throttles import AdminLoginAccountThrottle, LoginIpThrottle
from frameseller.exceptions import STATUS_CODES, error_body


@functools.lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(network.strip(), strict=False) for network in allowed)


def admin_network_allows(address: str) -> bool:
    """Whether a client at `address` may reach the admin: always without ADMIN_ALLOWED_NETWORKS, else if in one."""
    if not settings.ADMIN_ALLOWED_NETWORKS:
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in _networks(tuple(settings.ADMIN_ALLOWED_NETWORKS)))


class AdminAllowedNetworksMiddleware:
    """Answer 403 to a request for the admin from outside ADMIN_ALLOWED_NETWORKS (when set), before reading it.

    The client's address is the one the throttles use: behind DJANGO_NUM_PROXIES trusted proxies
    (the load balancer), the address they saw.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/") and not admin_network_allows(BaseThrottle().get_ident(request)):
            body = error_body("The admin is not open to your network.", STATUS_CODES[403])
            return JsonResponse(body, status=403)
        return self.get_response(request)


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
