"""Request paths for the dev server: normalised, contained, typed. Pure functions, no I/O.

Every request target is decoded once and reduced to a path relative to the output folder before
anything looks at the disk: percent-escapes decoded (a double-encoded ``%252e`` stays the literal
name ``%2e``), backslashes read as slashes, ``.`` dropped and ``..`` clamped at the root the way
browsers resolve URLs, so no request can name a file outside the output (SPEC section 7).
``output.find_served`` resolves symlinks and checks containment once more.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes, urlsplit

log = logging.getLogger(__name__)

# The types a news site serves, pinned so the answer does not depend on the machine's mime tables.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
    ".mp4": "video/mp4",
    ".mp3": "audio/mpeg",
}


@dataclass(frozen=True, slots=True)
class RequestPath:
    """A request target reduced to a path inside the output folder."""

    rel: str  # '' for the root, else 'topics/kazakhstan' (no leading or trailing '/')
    slash: bool  # the path ended with '/', i.e. it asks for a folder
    query: str = ""

    def url_path(self) -> str:
        """Return the normalised path as a URL path (percent-encoded, leading '/', no trailing '/')."""
        return "/" + quote(self.rel, safe="/!$&'()*+,;=:@~-._")


def normalise_request_path(target: str) -> RequestPath | None:
    """Return the contained path a request target names, or None for a target that is not a path."""
    if not target.startswith("/"):
        parts = urlsplit(target)  # absolute-form ("GET http://host/x HTTP/1.1") is allowed by HTTP/1.1
        if parts.scheme not in ("http", "https") or not parts.path.startswith("/"):
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    path, _, query = target.partition("#")[0].partition("?")
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 or c == "\x7f" for c in decoded):  # NUL and other control characters
        return None
    decoded = decoded.replace("\\", "/")
    kept: list[str] = []
    for segment in decoded.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    last = decoded.rsplit("/", 1)[-1]
    slash = not kept or last in ("", ".", "..")
    return RequestPath("/".join(kept), slash, query)


def content_type(name: str) -> str:
    """Return the Content-Type for a file name, with a charset for text."""
    suffix = posixpath.splitext(name.lower())[1]
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
