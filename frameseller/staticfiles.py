"""Caching rules for the files WhiteNoise serves (the admin's, and the site in development).

The site's page itself (/, /index.html) is answered before WhiteNoise, revalidated on every visit
(frameseller/sitepage.py).
"""

import re

# collectstatic's manifest names ("base.5af66c1b1797.css") and the site's build output
# ("assets/app-CQVKHGWP.js"): content-addressed, so cacheable for good.
_DJANGO_HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+\Z")


def immutable_file_test(path: str, url: str) -> bool:
    """Return True for files whose name changes whenever their content does."""
    return url.startswith("/assets/") or bool(_DJANGO_HASHED.search(url))
