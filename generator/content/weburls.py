"""Paths and URLs in front matter and settings: which parse, which are web URLs, which a page may link to."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


def splits(text: str) -> bool:
    """Return whether urlsplit takes ``text`` (it refuses an unclosed IPv6 bracket such as 'http://[oops')."""
    if "[" not in text and "]" not in text:
        return True
    try:
        urlsplit(text)
    except ValueError:
        return False
    return True


def link_problem(text: str) -> str | None:
    """Return what is wrong with a path or URL a page links to (an image, the logo), or None if it is a
    path or an http(s) URL: ``javascript:`` and ``data:`` would run or embed anything, and a URL
    without its scheme (``//host/x``) would be joined to the site's origin."""
    # Most values are plain paths or web URLs: without a ":" (or with an http(s) one), a leading
    # "//", brackets, or a control character or space (which urlsplit drops) urlsplit finds no other.
    if text.isprintable() and "[" not in text and "]" not in text and not text.startswith("//") and (
            ":" not in text or (text.startswith(("https://", "http://")) and text.isascii())):
        return None
    if not splits(text):
        return f"is not a valid path or URL (got '{text}')"
    parts = urlsplit(text)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return f"must be a path or an http(s) URL, not a '{parts.scheme}:' URL"
    if not parts.scheme and parts.netloc:
        return f"must be a path or an http(s) URL: write 'https:{text}'"
    return None


def is_web_url(text: str) -> bool:
    """Return whether ``text`` is an http(s) URL."""
    # urlsplit took 2 microseconds an article; an ASCII text starting 'http://' or 'https://' has
    # that scheme, and without brackets it cannot make urlsplit raise (its IPv6 and netloc checks).
    if text.startswith(("https://", "http://")) and text.isascii() and "[" not in text and "]" not in text:
        return True
    return splits(text) and urlsplit(text).scheme in ("http", "https")
