"""Pictures as pages show them: derivative names, the social crop, and the markup (SPEC section 9).

Pure data and text. Which files a picture's derivatives are, and what their names are, follows from
the picture's size, the digest of its bytes and the settings; the build makes the files
(``build.images``). Every page prints a picture through ``picture_markup`` (the theme's
``picture()``), and Markdown bodies get the same markup through ``responsive_body``.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
from typing import Callable, Mapping, NamedTuple

from markupsafe import Markup, escape

from generator.content.imagesettings import ImageSettings

log = logging.getLogger(__name__)

# What the social networks ask for (Open Graph, Twitter's large card): 1200 x 630, 1.91:1.
SOCIAL_WIDTH, SOCIAL_HEIGHT = 1200, 630
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
# Raster formats a build makes derivatives of; SVG and GIF are used as they are.
RESIZED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
PASSED_SUFFIXES = frozenset({".svg", ".gif"})
_SUFFIXES = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "webp": (".webp",), "avif": (".avif",)}
# Bumped when what the encoder is asked for changes, so derivative names (cached forever) change too.
RENDITION_VERSION = "1"
# The longest an original's name may be in a derivative's name; file systems take 255 bytes.
_STEM_LIMIT = 120


class Variant(NamedTuple):
    """One derivative: its output path, URL, size and format."""

    file: str
    url: str
    width: int
    height: int
    format: str


class Rendition(NamedTuple):
    """A file to make from a picture: resized to ``width`` x ``height`` in ``format``; when ``box`` is
    given, of that crop (left, top, right, bottom as fractions of the oriented picture) only."""

    name: str
    width: int
    height: int
    format: str
    box: tuple[float, float, float, float] | None = None


class Picture(NamedTuple):
    """A picture of the site: the original (its output path, URL, size as shown) and its derivatives.

    ``variants`` is empty for pictures used as they are (SVG, GIF, ``images: false``); ``width``
    and ``height`` are 0 where nothing says them. ``problem`` says why a picture cannot be used.
    """

    file: str
    url: str
    digest: str  # of the original's bytes and the settings, the first eight characters in each name
    width: int
    height: int
    format: str
    variants: tuple[Variant, ...] = ()
    problem: str | None = None


class SocialImage(NamedTuple):
    """The 1200 x 630 crop of a hero that link previews show (smaller when the picture is)."""

    file: str
    url: str
    width: int
    height: int
    box: tuple[float, float, float, float]  # the crop: left, top, right, bottom, as fractions


def picture_digest(source_digest: str, settings: ImageSettings, formats: tuple[str, ...], encoder: str) -> str:
    """Return the digest that names a picture's derivatives: of its bytes, the settings and the encoder."""
    key = f"{source_digest}|{settings.widths}|{formats}|{settings.quality}|{encoder}|{RENDITION_VERSION}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


def derivative_widths(width: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    """Return the widths to make of a picture ``width`` wide: never wider than it, and its own width
    added when a wider one was asked for (SPEC section 9)."""
    kept = [w for w in widths if w <= width]
    if len(kept) < len(widths) and width not in kept:
        kept.append(width)
    return tuple(sorted(kept))


def plan_picture(
    file: str, url_of: Callable[[str], str], digest: str, size: tuple[int, int], kind: str,
    formats: tuple[str, ...], widths: tuple[int, ...],
) -> Picture:
    """Return a raster picture with its derivatives: each width in each of ``formats``, then in its own."""
    width, height = size
    folder, name = posixpath.split(file)
    stem, suffix = posixpath.splitext(name)
    stem = stem.encode("utf-8")[:_STEM_LIMIT].decode("utf-8", "ignore") or "image"
    tag = digest[:8]
    variants = []
    own = suffix.lower() if suffix.lower() in _SUFFIXES[kind] else _SUFFIXES[kind][0]
    for form in [*(f for f in formats if f != kind), kind]:
        extension = own if form == kind else _SUFFIXES[form][0]
        for w in derivative_widths(width, widths):
            path = posixpath.join(folder, f"{stem}.{tag}-{w}w{extension}")
            variants.append(Variant(path, url_of(path), w, max(1, round(height * w / width)), form))
    return Picture(file, url_of(file), digest, width, height, kind, tuple(variants))


def social_image(picture: Picture, focus: tuple[float, float], url_of: Callable[[str], str]) -> SocialImage:
    """Return the 1.91:1 crop of ``picture`` centred as near ``focus`` as its edges allow, at most 1200 x 630."""
    width, height = picture.width, picture.height
    ratio = SOCIAL_WIDTH / SOCIAL_HEIGHT
    crop_w, crop_h = (height * ratio, float(height)) if width / height > ratio else (float(width), width / ratio)
    left = min(max(focus[0] * width - crop_w / 2, 0.0), width - crop_w)
    top = min(max(focus[1] * height - crop_h / 2, 0.0), height - crop_h)
    box = (left / width, top / height, (left + crop_w) / width, (top + crop_h) / height)
    out_w = min(SOCIAL_WIDTH, int(crop_w))
    out_h = max(1, round(out_w / ratio))
    key = f"{picture.digest}|{focus}|{SOCIAL_WIDTH}x{SOCIAL_HEIGHT}"
    tag = hashlib.blake2b(key.encode("utf-8"), digest_size=4).hexdigest()
    folder, name = posixpath.split(picture.file)
    stem = posixpath.splitext(name)[0].encode("utf-8")[:_STEM_LIMIT].decode("utf-8", "ignore") or "image"
    path = posixpath.join(folder, f"{stem}.{tag}-{out_w}x{out_h}.jpg")
    return SocialImage(path, url_of(path), out_w, out_h, tuple(round(v, 6) for v in box))  # type: ignore[arg-type]


def fallback(picture: Picture) -> Variant | None:
    """Return the derivative an ``<img src>`` names: the original's format, the widest up to 1200 px."""
    own = [v for v in picture.variants if v.format == picture.format]
    if not own:
        return None
    fitting = [v for v in own if v.width <= SOCIAL_WIDTH]
    return fitting[-1] if fitting else own[0]


def srcset(picture: Picture, form: str, url: Callable[[str], str]) -> str:
    """Return the ``srcset`` of the derivatives in ``form``: "URL 480w, URL 800w, ..."."""
    return ", ".join(f"{url(v.url)} {v.width}w" for v in picture.variants if v.format == form)


def _same(url: str) -> str:
    return url


def picture_markup(
    picture: Picture | None, src: str, alt: str, sizes: str, priority: bool = False,
    url: Callable[[str], str] = _same, attributes: Mapping[str, str] | None = None,
) -> Markup:
    """Return the markup of one picture: a ``<picture>`` with a typed ``<source>`` per extra format and an
    ``<img>`` with ``srcset``, ``sizes``, ``width`` and ``height``; or, for a picture used as it is, the
    ``<img>`` alone. The first picture of a page (``priority``) is fetched first, every other lazily."""
    extra = "".join(f' {escape(name)}="{escape(value)}"' for name, value in (attributes or {}).items())
    loading = ' fetchpriority="high"' if priority else ' loading="lazy"'
    size = "" if picture is None or not picture.width else f' width="{picture.width}" height="{picture.height}"'
    chosen = None if picture is None else fallback(picture)
    if picture is None or chosen is None:
        return Markup(f'<img src="{escape(url(src))}" alt="{escape(alt)}"{size} decoding="async"{loading}{extra}>')
    sizes_attr = escape(sizes)
    sources = "".join(
        f'<source type="{MIME_TYPES[form]}" srcset="{escape(srcset(picture, form, url))}" sizes="{sizes_attr}">'
        for form in dict.fromkeys(v.format for v in picture.variants) if form != picture.format)
    img = (f'<img src="{escape(url(chosen.url))}" srcset="{escape(srcset(picture, picture.format, url))}" '
           f'sizes="{sizes_attr}" alt="{escape(alt)}"{size} decoding="async"{loading}{extra}>')
    return Markup(f"<picture>{sources}{img}</picture>" if sources else img)


# Pictures in a Markdown body as markdown-it writes them, and as authors write them in raw HTML.
_IMG_TAG = re.compile(r"<img\s[^<>]*?>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)"')
# The hero spans the page (60rem less its gutters) on wide screens, the screen on narrow ones.
HERO_SIZES = "(min-width: 60rem) 56rem, 100vw"
# A body picture fills the article's text column (42rem) on wide screens, the screen on narrow ones.
BODY_SIZES = "(min-width: 46rem) 42rem, 100vw"


def responsive_body(
    html: str, pictures: Mapping[str, Picture], first_is_lead: bool, url: Callable[[str], str] = _same,
) -> str:
    """Return a body's HTML with each of the site's pictures in it given the markup ``picture_markup`` writes.

    An ``<img>`` that already states ``srcset``, ``width`` or ``height`` is the author's own and stays
    as it is. ``first_is_lead``: the body's first picture is the page's first (an article without a
    hero), so it is fetched first. ``url`` makes the links absolute, for feeds.
    """
    if "<img" not in html and "<IMG" not in html:
        return html
    first = [first_is_lead]

    def replace(match: re.Match[str]) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(0)))
        picture = pictures.get(_unescaped(attributes.get("src", "")))
        if picture is None or {"srcset", "width", "height"} & set(attributes):
            return match.group(0)
        priority, first[0] = first[0], False
        kept = {k: _unescaped(v) for k, v in attributes.items()
                if k not in ("src", "alt", "loading", "decoding", "fetchpriority", "sizes")}
        return str(picture_markup(picture, picture.url, _unescaped(attributes.get("alt", "")), BODY_SIZES,
                                  priority, url, kept))

    return _IMG_TAG.sub(replace, html)


def _unescaped(value: str) -> str:
    return (value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
            .replace("&amp;", "&"))
