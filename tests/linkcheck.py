"""Walks a built site and reports every internal link or asset URL that names no output file."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from tests.htmltree import Element, parse_file

# (tag, attribute) pairs that point at another resource.
URL_ATTRS = (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src"),
             ("iframe", "src"), ("form", "action"))


def page_url(out: Path, file: Path, base_url: str) -> str:
    """Return the absolute URL a reader uses for an output file."""
    rel = file.relative_to(out).as_posix()
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return urljoin(base_url, rel)


def target_file(out: Path, url: str, base_url: str) -> Path | None:
    """Return the output file serving absolute ``url``, or None when it is not under base_url."""
    base = urlsplit(base_url)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(base.path):
        return None
    rel = unquote(parts.path[len(base.path):])
    if posixpath.normpath("/" + rel) != "/" + rel.rstrip("/") and rel:
        return None  # '..' or '//' tricks do not count as resolving
    candidate = out / rel
    if rel == "" or rel.endswith("/"):
        candidate = candidate / "index.html"
    elif candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def internal_urls(doc: Element) -> list[tuple[str, str]]:
    """Return (description, url) for every URL-bearing attribute in the page."""
    found: list[tuple[str, str]] = []
    for tag, attr in URL_ATTRS:
        for el in doc.find_all(tag):
            value = el.get(attr)
            if value is not None:
                found.append((f"<{tag} {attr}>", value))
    for el in doc.find_all("img"):
        for item in (el.get("srcset") or "").split(","):
            if item.strip():
                found.append(("<img srcset>", item.split()[0]))
    for el in doc.find_all("meta"):
        if (el.get("http-equiv") or "").lower() == "refresh":
            content = el.get("content") or ""
            if "url=" in content.lower():
                found.append(("<meta refresh>", content[content.lower().index("url=") + 4:].strip()))
        if (el.get("property") or "") in ("og:url", "og:image"):
            found.append((f"<meta {el.get('property')}>", el.get("content") or ""))
    return found


def broken_links(out: Path, base_url: str) -> list[str]:
    """Return a line per internal URL in any output HTML file that resolves to no output file."""
    problems: list[str] = []
    base = urlsplit(base_url)
    for file in sorted(out.rglob("*.html")):
        here = page_url(out, file, base_url)
        doc = parse_file(file)
        for what, value in internal_urls(doc):
            if value.startswith("#") or value == "":
                continue
            absolute = urljoin(here, value)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
                continue  # external, mailto:, data: ...
            if target_file(out, absolute.split("#")[0].split("?")[0], base_url) is None:
                problems.append(f"{file.relative_to(out).as_posix()}: {what} {value!r} -> {absolute}")
    return problems
