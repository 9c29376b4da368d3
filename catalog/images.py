"""Photos in and out of Pillow: check an original, make its thumbnails and watermarked previews.

The original's bytes are never changed: it is only read, to check it and to learn its size,
the digest of its pixels (duplicates) and what its IPTC/XMP metadata says of it (title, credit,
licence). Derivatives are new images made from its pixels, so none of its metadata (EXIF, GPS,
XMP) is carried over; they are sRGB, each as a progressive JPEG and a WebP.

The free derivatives are never a usable copy of what is sold: each one's long edge is at most half
the original's (a quarter of its pixels), and every one larger than the 1x thumbnail is watermarked.
A photo too small for that to leave a useful thumbnail (under PHOTOS_MIN_LONG_EDGE) is refused for
sale (original_check_for_sale).
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, ImageOps, IptcImagePlugin, UnidentifiedImageError

from catalog.errors import PhotoInvalid

THUMBNAIL_LONG_EDGE = 480
# The thumbnails for screens of 1, 2 and 3 device pixels per CSS pixel (srcset).
THUMBNAIL_LONG_EDGES = (THUMBNAIL_LONG_EDGE, 2 * THUMBNAIL_LONG_EDGE, 3 * THUMBNAIL_LONG_EDGE)
PREVIEW_LONG_EDGE = 1600
# A public derivative's long edge is at most this share of the original's.
PUBLIC_SHARE = 0.5
# Derivatives this small (the 1x thumbnail) go without a watermark; every larger one carries it.
UNMARKED_LONG_EDGE = THUMBNAIL_LONG_EDGE
THUMBNAIL_QUALITY = 80
PREVIEW_QUALITY = 82
# WebP at these qualities looks like the JPEG at a third less weight; the 2x and 3x thumbnails can
# take less (their pixels are halved or thirded on screen).
WEBP_QUALITY = {THUMBNAIL_LONG_EDGES[0]: 78, THUMBNAIL_LONG_EDGES[1]: 70, THUMBNAIL_LONG_EDGES[2]: 62}
WEBP_PREVIEW_QUALITY = 78
WATERMARK_TEXT = "FrameSeller · preview"
# The formats of every derivative, as (content type, file extension).
DERIVATIVE_TYPES = (("image/jpeg", ".jpg"), ("image/webp", ".webp"))

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


def original_check_for_sale(original: Original) -> None:
    """Refuse (PhotoInvalid) a photo too small to sell: its long edge under PHOTOS_MIN_LONG_EDGE."""
    minimum = settings.PHOTOS_MIN_LONG_EDGE
    if max(original.width, original.height) < minimum:
        raise PhotoInvalid(
            f"The photo is too small to sell: {original.width} × {original.height} px. Its long edge must be "
            f"at least {minimum} px, so that a buyer gets more than the free thumbnail and preview show."
        )


def public_long_edge(width: int, height: int) -> int:
    """The longest edge a public derivative of a `width` x `height` original may have."""
    return max(1, int(max(width, height) * PUBLIC_SHARE))


def thumbnail_long_edges(width: int, height: int) -> list[int]:
    """The thumbnails' long edges (1x, 2x, 3x), each at most public_long_edge(); none twice."""
    cap = public_long_edge(width, height)
    edges = []
    for edge in THUMBNAIL_LONG_EDGES:
        edge = min(edge, cap)
        if edge not in edges:
            edges.append(edge)
    return edges


def preview_long_edge(width: int, height: int) -> int:
    """The preview's long edge: 1600 px, or less for an original under 3200 px."""
    return min(PREVIEW_LONG_EDGE, public_long_edge(width, height))


@dataclass(frozen=True)
class Derivative:
    """One public image made from an original."""

    kind: str  # "thumbnail" or "preview"
    content_type: str
    extension: str
    width: int
    height: int
    content: bytes


def derivatives_make(original: Original) -> list[Derivative]:
    """Make every public derivative of `original`: the thumbnails (1x, 2x, 3x) and the preview, JPEG and WebP.

    Each is at most half the original's long edge; all but the 1x thumbnail are watermarked.
    """
    made = []
    preview_edge = preview_long_edge(original.width, original.height)
    largest_edge = max(preview_edge, *thumbnail_long_edges(original.width, original.height))
    # A JPEG is decoded straight at the smallest scale (1/2, 1/4, 1/8) still larger than the largest
    # derivative: a quarter of the work or less. The largest is made first; each smaller one is
    # scaled down from it (the same pixels, less work).
    with _opened(original.content, draft_long_edge=largest_edge) as image:
        largest = _scaled(image, largest_edge)
    wanted = [("preview", preview_edge)] + [
        ("thumbnail", edge) for edge in thumbnail_long_edges(original.width, original.height)
    ]
    for kind, edge in wanted:
        # The size from the original's, as catalog.photos names the files (not re-rounded from `largest`).
        target = scaled_size(original.width, original.height, edge)
        pixels = largest if largest.size == target else largest.resize(target, Image.Resampling.LANCZOS)
        if edge > UNMARKED_LONG_EDGE:
            pixels = _watermarked(pixels)
        for content_type, extension in DERIVATIVE_TYPES:
            if content_type == "image/webp":
                quality = WEBP_PREVIEW_QUALITY if kind == "preview" else WEBP_QUALITY.get(edge, WEBP_QUALITY[480])
                content = _webp(pixels, quality)
            else:
                content = _jpeg(pixels, PREVIEW_QUALITY if kind == "preview" else THUMBNAIL_QUALITY)
            made.append(Derivative(kind, content_type, extension, pixels.width, pixels.height, content))
    return made


def thumbnail_make(original: Original) -> bytes:
    """Return the 1x thumbnail as JPEG: long edge at most 480 px (and half the original's), no metadata."""
    with _opened(original.content) as image:
        edge = thumbnail_long_edges(original.width, original.height)[0]
        return _jpeg(_scaled(image, edge), THUMBNAIL_QUALITY)


def preview_make(original: Original) -> bytes:
    """Return the preview as JPEG: long edge at most 1600 px and half the original's, tiled watermark, no metadata."""
    with _opened(original.content) as image:
        edge = preview_long_edge(original.width, original.height)
        return _jpeg(_watermarked(_scaled(image, edge)), PREVIEW_QUALITY)


def scaled_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """Return the size of a `width` x `height` photo scaled to fit `long_edge`, never enlarged."""
    scale = min(1.0, long_edge / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


class _opened:
    """Open image bytes with Pillow and decode them fully, turning every failure into PhotoInvalid."""

    def __init__(self, content: bytes, draft_long_edge: int | None = None):
        self.content = content
        self.draft_long_edge = draft_long_edge
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
                if self.draft_long_edge and image.format == "JPEG":
                    image.draft("RGB", scaled_size(image.width, image.height, self.draft_long_edge))
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


def _webp(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, subsampling="4:2:0")
    return out.getvalue()
