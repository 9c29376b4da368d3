"""Photo-like images made on the spot, for the tests and `make bench`."""

import io
from functools import cache

from PIL import Image


@cache
def photo_bytes(width: int = 90, height: int = 60, image_format: str = "JPEG", **save_options) -> bytes:
    """A small photo-like image (a colour gradient), encoded in `image_format`."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.merge("RGB", (image.getchannel(0), image.getchannel(1).rotate(90), image.getchannel(2).transpose(0)))
    out = io.BytesIO()
    image.save(out, image_format, **save_options)
    return out.getvalue()
