"""Photos in and out of Pillow: check an original, make its thumbnail and watermarked preview.

The original's bytes are never changed: it is only read, to check it and to learn its size,
the digest of its pixels (duplicates) and what its IPTC/XMP metadata says of it (title, credit,
licence). Derivatives are new images made from its pixels, so none of its metadata (EXIF, GPS,
XMP) is carried over; they are progressive JPEGs, sRGB.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, ImageOps, IptcImagePlugin, UnidentifiedImageError

from catalog.errors import PhotoInvalid

THUMBNAIL_LONG_EDGE = 480
PREVIEW_LONG_EDGE = 1600
THUMBNAIL_QUALITY = 80
PREVIEW_QUALITY = 82
WATERMARK_TEXT = "FrameSeller · preview"

# Formats accepted for an original: its content type and file extension.
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "TIFF": ("image/tiff", ".tif"),
}


@dataclass(frozen=True)
class PhotoMetadata:
    """What a photo's own IPTC/XMP metadata says of it; "" where it says nothing."""

    title: str = ""
    description: str = ""
    credit: str = ""
    license: str = ""


@dataclass(frozen=True)
class Original:
    """An original photo, checked: its exact bytes and what they are."""

    content: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    pixels_sha256: str = ""
    metadata: PhotoMetadata = PhotoMetadata()

    @property
    def size(self) -> int:
        return len(self.content)


def original_read(file) -> Original:
    """Read and check an uploaded original; raise PhotoInvalid with a clear reason."""
    limit = settings.PHOTOS_MAX_UPLOAD_BYTES
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise PhotoInvalid(f"The file is too large: {declared} bytes, the limit is {limit}.")
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        raise PhotoInvalid(f"The file is too large: the limit is {limit} bytes.")
    if not content:
        raise PhotoInvalid("The file is empty.")
    with _opened(content) as image:
        if image.format not in FORMATS:
            raise PhotoInvalid(f"{image.format} files are not accepted: send a JPEG, PNG, WebP or TIFF photo.")
        content_type, extension = FORMATS[image.format]
        width, height = _oriented_size(image)
        return Original(
            content=content,
            format=image.format,
            content_type=content_type,
            extension=extension,
            width=width,
            height=height,
            sha256=hashlib.sha256(content).hexdigest(),
            pixels_sha256=_pixels_digest(image),
            metadata=_metadata(image),
        )


def thumbnail_make(original: Original) -> bytes:
    """Return the thumbnail: long edge at most 480 px, no metadata."""
    with _opened(original.content) as image:
        return _jpeg(_scaled(image, THUMBNAIL_LONG_EDGE), THUMBNAIL_QUALITY)


def preview_make(original: Original) -> bytes:
    """Return the preview: long edge at most 1600 px (never upscaled), tiled watermark, no metadata."""
    with _opened(original.content) as image:
        return _jpeg(_watermarked(_scaled(image, PREVIEW_LONG_EDGE)), PREVIEW_QUALITY)


def scaled_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """Return the size of a `width` x `height` photo scaled to fit `long_edge`, never enlarged."""
    scale = min(1.0, long_edge / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


class _opened:
    """Open image bytes with Pillow and decode them fully, turning every failure into PhotoInvalid."""

    def __init__(self, content: bytes):
        self.content = content
        self.image = None

    def __enter__(self) -> Image.Image:
        max_pixels = settings.PHOTOS_MAX_PIXELS
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(self.content))
                self.image = image
                if image.width * image.height > max_pixels:
                    raise PhotoInvalid(
                        f"The photo has too many pixels ({image.width} x {image.height}); "
                        f"the limit is {max_pixels} pixels."
                    )
                image.load()
        except PhotoInvalid:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoInvalid(f"The photo has too many pixels to open safely: {error}") from None
        except UnidentifiedImageError:
            raise PhotoInvalid("The file is not an image: send a JPEG, PNG, WebP or TIFF photo.") from None
        except (OSError, ValueError, SyntaxError) as error:
            raise PhotoInvalid(f"The image is damaged or truncated and cannot be read ({error}).") from None
        return image

    def __exit__(self, *exc):
        if self.image is not None:
            self.image.close()


def _pixels_digest(image: Image.Image) -> str:
    """SHA-256 of the pixels as shown (upright), with their mode and size: the same in any lossless re-save."""
    upright = ImageOps.exif_transpose(image)
    digest = hashlib.sha256(f"{upright.mode} {upright.width}x{upright.height}\n".encode())
    digest.update(upright.tobytes())
    return digest.hexdigest()


# IPTC IIM datasets (record 2) and XMP properties, in order of preference.
_IPTC = {
    "title": [(2, 5), (2, 105)],  # Object Name, Headline
    "description": [(2, 120)],  # Caption/Abstract
    "credit": [(2, 80), (2, 110)],  # By-line, Credit
    "license": [(2, 116)],  # Copyright Notice
}
_XMP = {
    "title": ["title", "Headline"],
    "description": ["description"],
    "credit": ["creator", "Credit"],
    "license": ["UsageTerms", "rights"],
}
_METADATA_LIMITS = {"title": 200, "description": 500, "credit": 200, "license": 300}


def _metadata(image: Image.Image) -> PhotoMetadata:
    """Read title, description, credit and licence from the photo's XMP, else its IPTC; never fail on them."""
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except (OSError, SyntaxError, ValueError, TypeError, IndexError):
        iptc = {}
    try:
        xmp = _xmp_properties(image.getxmp()) if hasattr(image, "getxmp") else {}
    except (ValueError, SyntaxError, TypeError, AttributeError):
        xmp = {}
    found = {}
    for field, limit in _METADATA_LIMITS.items():
        candidates = [xmp.get(name) for name in _XMP[field]] + [_iptc_text(iptc.get(key)) for key in _IPTC[field]]
        found[field] = next((" ".join(c.split())[:limit] for c in candidates if c and c.strip()), "")
    return PhotoMetadata(**found)


def _iptc_text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return ""


def _xmp_properties(xmp: dict) -> dict[str, str]:
    """Flatten the rdf:Description properties of Pillow's XMP dict to {local name: first text}."""
    descriptions = xmp.get("xmpmeta", {}).get("RDF", {}).get("Description", [])
    properties: dict[str, str] = {}
    for description in descriptions if isinstance(descriptions, list) else [descriptions]:
        if isinstance(description, dict):
            for name, value in description.items():
                text = _xmp_text(value)
                if text and name not in properties:
                    properties[name] = text
    return properties


def _xmp_text(value) -> str:
    """The text of an XMP value: a string, a language alternative (x-default first), or a list's first item."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        preferred = [v for v in value if isinstance(v, dict) and v.get("lang") == "x-default"]
        return _xmp_text((preferred or value)[0]) if value else ""
    if isinstance(value, dict):
        if "text" in value:
            return _xmp_text(value["text"])
        for container in ("Alt", "Seq", "Bag", "li"):
            if container in value:
                return _xmp_text(value[container])
    return ""


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    """The size as shown, after the EXIF orientation a camera may have recorded."""
    orientation = image.getexif().get(0x0112, 1)
    if orientation in (5, 6, 7, 8):
        return image.height, image.width
    return image.width, image.height


def _scaled(image: Image.Image, long_edge: int) -> Image.Image:
    """An sRGB copy, upright, fitting `long_edge`; transparency flattened on white."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode != "RGB":
        if upright.mode.startswith("I;16") or upright.mode in ("I", "F"):
            upright = upright.point(lambda value: value / 256).convert("L")
        upright = upright.convert("RGB")
    target = scaled_size(upright.width, upright.height, long_edge)
    if target != upright.size:
        upright = upright.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # A new image of the pixels alone: nothing of the original's metadata comes along.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    return clean


def _watermarked(image: Image.Image) -> Image.Image:
    """Tile the shop's name across the photo, diagonally, light with a dark edge."""
    width, height = image.size
    font_size = max(12, round(min(width, height) / 16))
    font = ImageFont.load_default(size=font_size)
    side = int((width**2 + height**2) ** 0.5) + 2
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), WATERMARK_TEXT, font=font)
    step_x, step_y = (right - left) + font_size * 2, (bottom - top) + font_size * 3
    stroke = max(1, font_size // 14)
    for row, y in enumerate(range(0, side, step_y)):
        for x in range(-step_x + (row % 2) * step_x // 2, side, step_x):
            draw.text(
                (x, y),
                WATERMARK_TEXT,
                font=font,
                fill=(255, 255, 255, 120),
                stroke_width=stroke,
                stroke_fill=(0, 0, 0, 80),
            )
    layer = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    offset_x, offset_y = (side - width) // 2, (side - height) // 2
    tile = layer.crop((offset_x, offset_y, offset_x + width, offset_y + height))
    return Image.alpha_composite(image.convert("RGBA"), tile).convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, subsampling="4:2:0")
    return out.getvalue()
