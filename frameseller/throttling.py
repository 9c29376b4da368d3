"""Throttles whose rates come from settings.THROTTLE_RATES (the environment) at each request."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """A scoped throttle reading its rate from settings.THROTTLE_RATES each time."""

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)
