"""``site.yaml: images``: which responsive derivatives a build makes of the site's pictures (SPEC section 9)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)

# Formats a derivative may be written in beside the original's own (SPEC section 9).
EXTRA_FORMATS = ("avif", "webp")
DEFAULT_WIDTHS = (480, 800, 1200, 1600, 2400)
# Past this a derivative is bigger than any screen shows, and the build slow for nothing.
WIDEST = 8192


@dataclass(frozen=True, slots=True)
class ImageSettings:
    """How pictures are published: ``enabled`` False (``images: false``) uses every image as it is."""

    enabled: bool = True
    # The widths of the derivatives, in pixels; those above a picture's own width are dropped.
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    # Formats beside the original's (which is always written too, as the fallback).
    formats: tuple[str, ...] = ("webp",)
    # Encoder quality (1-100) of the lossy formats.
    quality: int = 80


Fail = Callable[[str, str], None]


def read_images(value: Any, fail: Fail) -> ImageSettings | None:
    """Return the checked ``images`` setting; report each problem with ``fail(key, message)``."""
    if value is False:
        return ImageSettings(enabled=False)
    if value is True:
        return ImageSettings()
    if not isinstance(value, dict):
        fail("images", "'images' must be false, or a mapping such as {widths: [480, 800, 1200], formats: [webp]}")
        return None
    unknown = sorted(str(key) for key in value if key not in ("widths", "formats", "quality"))
    if unknown:
        fail(f"images.{unknown[0]}", f"unknown key 'images.{unknown[0]}' (known: widths, formats, quality)")
        return None
    widths = _widths(value.get("widths", list(DEFAULT_WIDTHS)), fail)
    formats = _formats(value.get("formats", ["webp"]), fail)
    quality = value.get("quality", 80)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        fail("images.quality", f"'images.quality' must be a whole number from 1 to 100 (got {quality!r})")
        return None
    if widths is None or formats is None:
        return None
    return ImageSettings(True, widths, formats, quality)


def _widths(value: Any, fail: Fail) -> tuple[int, ...] | None:
    items = value if isinstance(value, list) else [value]
    if not items or any(isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= WIDEST for w in items):
        fail("images.widths", f"'images.widths' must be a list of widths in pixels, from 1 to {WIDEST} "
             f"(got {value!r})")
        return None
    return tuple(sorted(set(items)))


def _formats(value: Any, fail: Fail) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    names = [str(item).lower() for item in items if item is not None]
    wrong = [name for name in names if name not in EXTRA_FORMATS]
    if wrong or isinstance(value, dict):
        fail("images.formats", f"'images.formats' must list formats from: {', '.join(EXTRA_FORMATS)} "
             f"(got {value!r}; the original's own format is always written too)")
        return None
    # AVIF first: a browser takes the first <source> it can show, and AVIF is the smaller.
    return tuple(name for name in EXTRA_FORMATS if name in names)
