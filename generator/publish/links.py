"""Link checking for ``newsbite check``: every internal reference in the built pages must name a file.

Pure: it works on page texts and the set of output files, so the command decides where they come
from. A reference is internal when it resolves (against the page's own URL) to the site's origin;
it must then lie under the base path and name an output file, a folder with an index.html, or a
path that is one with ``/index.html`` added, as static hosts serve it.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Mapping
from urllib.parse import unquote, urljoin, urlsplit

log = logging.getLogger(__name__)

# Attributes that make the browser (or a reader) fetch another URL.
_URL_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "a": ("href",), "area": ("href",), "link": ("href",), "form": ("action",),
    "img": ("src",), "source": ("src",), "script": ("src",), "iframe": ("src",), "embed": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "object": ("data",),
}
_SRCSET_TAGS = frozenset({"img", "source"})
# Social tags whose URLs must work too, as crawlers fetch them.
_META_URLS = frozenset({"og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:url"})
# What target_of returns for a URL on the site's host but outside its base path (or climbing out).
OUTSIDE = "\x00outside"
_REFRESH_URL = re.compile(r"""^\s*\d*\s*;?\s*url\s*=\s*['"]?([^'"]*)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """One URL in a page and where it stood, e.g. ('img src', 'troops.jpg')."""

    where: str
    url: str


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """An internal reference that names no output file."""

    page: str
    url: str
    where: str
    source: str | None = None

    def __str__(self) -> str:
        line = f"{self.page}: broken link -> {self.url} ({self.where})"
        return f"{line}, from {self.source}" if self.source else line


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Reference] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        for name in _URL_ATTRIBUTES.get(tag, ()):
            if name in values:
                self.found.append(Reference(f"{tag} {name}", values[name]))
        if tag in _SRCSET_TAGS and "srcset" in values:
            self.found.extend(Reference(f"{tag} srcset", url) for url in srcset_urls(values["srcset"]))
        if tag == "meta":
            key = values.get("property") or values.get("name") or ""
            if key in _META_URLS and "content" in values:
                self.found.append(Reference(f"meta {key}", values["content"]))
            if values.get("http-equiv", "").lower() == "refresh":
                match = _REFRESH_URL.match(values.get("content", ""))
                if match and match.group(1).strip():
                    self.found.append(Reference("meta refresh", match.group(1).strip()))

    handle_startendtag = handle_starttag


def srcset_urls(value: str) -> list[str]:
    """Return the URLs of a srcset: comma-separated candidates of 'URL [descriptor]'."""
    urls = []
    for candidate in re.split(r",\s+|,$", value.strip()):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0].rstrip(","))
    return urls


def references(html: str) -> list[Reference]:
    """Return every URL-bearing attribute of a page, in document order."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.found


def page_url(output: str, base_url: str) -> str:
    """Return the absolute URL readers use for an output file (``a/index.html`` -> ``.../a/``)."""
    path = output[: -len("index.html")] if output == "index.html" or output.endswith("/index.html") else output
    return urljoin(base_url, path)


def target_of(url: str, page: str, base_url: str) -> str | None:
    """Return the output path an internal ``url`` in ``page`` points at ('' for the site root,
    OUTSIDE when it leaves the site's folder), or None when it is not internal (another host,
    mailto:, a fragment of the page itself)."""
    text = url.strip()
    if not text or text.startswith("#"):
        return None
    absolute = urljoin(page_url(page, base_url), text)
    parts, base = urlsplit(absolute), urlsplit(base_url)
    if parts.scheme not in ("http", "https") or (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = unquote(parts.path) or "/"
    base_path = base.path or "/"
    if path + "/" == base_path:
        return ""
    if not path.startswith(base_path) or ".." in path.split("/"):
        return OUTSIDE
    rel = path[len(base_path):]
    normal = posixpath.normpath("/" + rel).lstrip("/")
    return normal + "/" if rel.endswith("/") and normal else normal


def resolves(target: str, files: frozenset[str] | set[str]) -> bool:
    """Return whether a static host serves ``target`` (an output path) from ``files``."""
    if target == OUTSIDE:
        return False
    if target == "" or target.endswith("/"):
        return target + "index.html" in files
    return target in files or target + "/index.html" in files


def broken_links(
    pages: Mapping[str, str],
    files: frozenset[str] | set[str],
    base_url: str,
    sources: Mapping[str, str] | None = None,
) -> list[BrokenLink]:
    """Return every internal reference in ``pages`` (output path -> HTML) naming no output file.

    ``sources`` maps output paths to the file that made them, so a broken link in an article page
    names its Markdown source.
    """
    sources = sources or {}
    broken: list[BrokenLink] = []
    for page in sorted(pages):
        source = sources.get(page)
        named = source if source and source.endswith((".md", ".markdown")) else None
        for ref in references(pages[page]):
            target = target_of(ref.url, page, base_url)
            if target is not None and not resolves(target, files):
                broken.append(BrokenLink(page, ref.url, ref.where, named))
    return broken
