"""Pictures with Pillow: what a file holds (read from its header), and its derivatives (SPEC section 9).

Reading a picture's size and orientation reads its header only; decoding its pixels is the costly
part, and ``make_renditions`` does it once per picture for every derivative and social crop, from
the largest down, so a process holds one decoded picture (and the smaller copy being made) at a time.
Derivatives carry no metadata: EXIF (GPS included) and XMP are left behind, the orientation they
stated applied to the pixels. The colour profile stays, so colours show as the camera meant.
"""

from __future__ import annotations

import io
import re
import logging
import warnings
from pathlib import Path
from typing import NamedTuple, Sequence

import PIL
from PIL import Image, ImageOps, UnidentifiedImageError, features

from generator.model.pictures import Rendition

log = logging.getLogger(__name__)

# Pillow's name of each format a site's pictures may be in, by how NewsBite names it.
SOURCE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
SAVE_AS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF"}
# EXIF tag 0x0112: how the camera was held. 5-8 turn the picture a quarter, swapping its sides.
_ORIENTATION = 0x0112
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
# A decompression bomb (a small file holding billions of pixels) is refused, not decoded.
MAX_PIXELS = 120_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class PictureFacts(NamedTuple):
    """What a picture's header says: its size as shown (orientation applied) and format; or why it cannot be used."""

    width: int
    height: int
    format: str  # "jpeg", "png" or "webp"
    problem: str | None = None


def encoder_identity() -> str:
    """Return what the derivatives' bytes depend on beside the source and the settings: Pillow's version."""
    return f"pillow={PIL.__version__}"


def writable_formats() -> frozenset[str]:
    """Return the derivative formats this Pillow can write (AVIF needs a Pillow built with libavif)."""
    return frozenset(name for name in ("webp", "avif") if features.check(name)) | {"jpeg", "png"}


def read_facts(path: Path) -> PictureFacts:
    """Return a picture's size as shown and its format, reading its header only (no pixel is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind = SOURCE_FORMATS.get(image.format or "")
                if kind is None:
                    return PictureFacts(0, 0, "", f"is not a JPEG, PNG or WebP picture (it holds {image.format})")
                width, height = image.size
                if image.getexif().get(_ORIENTATION) in _QUARTER_TURNS:
                    width, height = height, width
                return PictureFacts(width, height, kind)
    except UnidentifiedImageError:
        return PictureFacts(0, 0, "", "cannot be decoded: it is not a JPEG, PNG or WebP picture")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return PictureFacts(0, 0, "", f"cannot be decoded: it has more than {MAX_PIXELS:,} pixels")
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's parsers raise these on damaged headers
        return PictureFacts(0, 0, "", f"cannot be decoded ({_reason(exc)})")


def make_renditions(path: Path, renditions: Sequence[Rendition], quality: int) -> dict[str, bytes]:
    """Return each rendition's bytes, decoding the picture once; raise ValueError when it cannot be decoded.

    Derivatives are made from the largest down, each from the last, so no step resizes by much:
    a fraction of resizing each from the original, at no cost to the eye.
    """
    try:
        with Image.open(path) as opened:
            _decode_at_most(opened, max(_width_needed(r) for r in renditions))
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"cannot be decoded ({_reason(exc)})") from exc
    profile = image.info.get("icc_profile")
    image.info = {}  # EXIF, XMP, comments: none of it goes into a derivative
    made: dict[str, bytes] = {}
    for crop in [r for r in renditions if r.box is not None]:
        assert crop.box is not None
        w, h = image.size
        left, top, right, bottom = crop.box
        pixels = (round(left * w), round(top * h), max(round(left * w) + 1, round(right * w)),
                  max(round(top * h) + 1, round(bottom * h)))
        made[crop.name] = _encoded(_resized(image.crop(pixels), crop.width, crop.height), crop.format, quality,
                                   profile)
    current = image
    for rendition in sorted((r for r in renditions if r.box is None), key=lambda r: (-r.width, r.format)):
        if current.size != (rendition.width, rendition.height):
            current = _resized(current, rendition.width, rendition.height)
        made[rendition.name] = _encoded(current, rendition.format, quality, profile)
    return made


def _width_needed(rendition: Rendition) -> int:
    """Return how wide the whole picture must be decoded for ``rendition`` to lose no detail."""
    if rendition.box is None:
        return rendition.width
    return -(-rendition.width * 1000 // max(1, round((rendition.box[2] - rendition.box[0]) * 1000)))


def _decode_at_most(image: Image.Image, width: int) -> None:
    """Ask a JPEG decoder to scale down while decoding (by 1/2, 1/4 or 1/8) when no derivative needs more."""
    if image.format != "JPEG" or width <= 0:
        return
    shown_w, shown_h = image.size
    if image.getexif().get(_ORIENTATION) in _QUARTER_TURNS:
        shown_w, shown_h = shown_h, shown_w
    scale = width / shown_w
    needed = (max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale)))
    image.draft(image.mode, needed)


def _resized(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encoded(image: Image.Image, kind: str, quality: int, profile: bytes | None) -> bytes:
    """Return ``image`` in ``kind``, without metadata but the colour profile."""
    buffer = io.BytesIO()
    options: dict[str, object] = {"exif": b""}
    if profile:
        options["icc_profile"] = profile
    if kind == "jpeg":
        image = _flattened(image)
        options.update(quality=quality, optimize=True, progressive=True)
    elif kind == "png":
        options.update(optimize=False, compress_level=6)
    elif kind == "webp":
        options.update(quality=quality, method=4)
    elif kind == "avif":
        options.update(quality=quality, speed=8)
    if image.mode not in ("RGB", "RGBA", "L", "LA") or (kind == "jpeg" and image.mode == "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() and kind != "jpeg" else "RGB")
    image.save(buffer, SAVE_AS[kind], **options)
    return buffer.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """Return the picture on white where it has transparency (JPEG has none)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def read_size(path: Path) -> tuple[int, int] | None:
    """Return the size a picture used as it is states: an SVG's ``width`` and ``height`` (in pixels or
    unitless), a GIF's from its header; None where it states none or cannot be read."""
    if path.suffix.lower() == ".svg":
        return _svg_size(path)
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


# The <svg ...> start tag, and a length in pixels (or without a unit, which is pixels).
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_LENGTH = r'\s{name}\s*=\s*["\']\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*["\']'


def _svg_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(16384)  # the root element's start tag comes first, after a prolog at most
    except OSError:
        return None
    tag = _SVG_TAG.search(head)
    if tag is None:
        return None
    text = tag.group(0).decode("utf-8", "replace")
    width = re.search(_SVG_LENGTH.format(name="width"), text)
    height = re.search(_SVG_LENGTH.format(name="height"), text)
    if width is None or height is None:
        return None
    size = round(float(width.group(1))), round(float(height.group(1)))
    return size if size[0] > 0 and size[1] > 0 else None
