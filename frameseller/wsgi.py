"""WSGI entry point, used by gunicorn (`frameseller.wsgi:application`) and by runserver."""

import logging
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frameseller.settings")
application = get_wsgi_application()
# Import the URLconf (every view, and Stripe's SDK with the payment code) now rather than at the first
# request: gunicorn's master loads this module before forking, so the workers share those pages.
get_resolver().url_patterns  # noqa: B018


def mode_summary() -> str:
    """Return one line saying how this process is configured, without a password or a key."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    database = db["NAME"] if engine == "sqlite3" else f"{db['NAME']} on {db['HOST']}:{db['PORT']}"
    if settings.STRIPE_BACKEND == "emulator":
        stripe = f"emulator at {settings.STRIPE_API_BASE}"
    else:
        mode = "live" if "_live_" in settings.STRIPE_SECRET_KEY else "test"
        stripe = f"Stripe ({mode} mode)" + (f" at {settings.STRIPE_API_BASE}" if settings.STRIPE_API_BASE else "")
    return (
        f"FrameSeller: env={settings.DJANGO_ENV}, database={engine} {database}, cache={settings.CACHE_BACKEND}, "
        f"stripe={stripe}, debug={'on' if settings.DEBUG else 'off'}, https={'on' if settings.HTTPS else 'off'}"
    )


# Once per process that loads the application: runserver's; under gunicorn, the master with
# preload_app (gunicorn.conf.py's default: the workers, recycled ones too, fork from it and log
# nothing), or each worker with GUNICORN_PRELOAD=0. Management commands don't load this module.
logging.getLogger(__name__).info(mode_summary())
