"""Throttle for placing orders: per shopper."""

from frameseller.throttling import SettingsRateThrottle


class OrderUserThrottle(SettingsRateThrottle):
    scope = "order_user"

    def allow_request(self, request, view):
        if request.method == "GET":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
