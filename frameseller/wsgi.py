"""WSGI entry point, used by gunicorn (`frameseller.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frameseller.settings")
application = get_wsgi_application()
