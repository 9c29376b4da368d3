"""pytest plugin: the test suite is a local run (DJANGO_ENV=local, see frameseller/settings.py).

Loaded with `-p` (pyproject.toml) so that it runs before pytest-django imports the settings;
a conftest.py would come too late. The processes the tests start inherit it. A DJANGO_ENV
already in the environment is left as it is.
"""

import os

os.environ.setdefault("DJANGO_ENV", "local")
