"""The environment the shop runs with in production, for the tools and tests that start it that way.

`make bench` and tests/resilience start gunicorn from the Procfile with DEBUG off, MariaDB, Redis
and real-Stripe settings pointed at a local emulator; this is that environment, once.
"""

import os
import sys
import uuid
from pathlib import Path

from devtools.emulator_process import PUBLISHABLE_KEY, SECRET_KEY

# The developer's own settings never leak into a production-like run.
_CLEARED = ("DJANGO_", "DATABASE_", "RDS_", "STRIPE_", "GUNICORN_", "REDIS_", "THROTTLE_")
_NO_LIMITS = "100000/min"


def production_env(*, database: str, redis_url: str, stripe_url: str, var_dir: Path, **overrides: str) -> dict:
    """Return a process environment for the shop in production mode; `overrides` are added last."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_CLEARED)}
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{database}",
            "REDIS_URL": redis_url,
            "STRIPE_BACKEND": "stripe",
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_API_BASE": stripe_url,
            # Many requests from one address and account: measured, not throttled.
            "THROTTLE_LOGIN_IP": _NO_LIMITS,
            "THROTTLE_LOGIN_ACCOUNT": _NO_LIMITS,
            "THROTTLE_ORDER_USER": _NO_LIMITS,
            "FRAMESELLER_VAR_DIR": str(var_dir),
            "EMAIL_URL": "consolemail://",
            **overrides,
        }
    )
    return env
