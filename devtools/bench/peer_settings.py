"""The bare-Django peer: the shop's own settings, only its URLs differ."""

from frameseller.settings import *  # noqa: F403

ROOT_URLCONF = "devtools.bench.peer_urls"
