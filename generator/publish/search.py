"""Site search: the Pagefind index in parts, each indexed from the rendered pages held in memory.

Pagefind runs on one core and its memory grows with the pages it holds (issue 11: 27 s and about
1.8 GB for 10,000 articles in one index). So the indexed pages are split into parts by a stable hash
of their output path, each part is a Pagefind bundle of its own, and the search page merges them at
search time (``mergeIndex``). A part is a pure function of its pages, so an edit re-indexes only
the part holding the edited page, and parts are indexed side by side, one per core.

The first part is ``pagefind/``, a whole bundle with Pagefind's scripts and WebAssembly; the others
are ``pagefind/parts/NN/`` and hold only their index (the merged indexes are searched with the first
one's WebAssembly). ``pagefind/parts.js``, loaded by the search page before the theme's own script,
lists them and hands them to every ``PagefindUI`` it makes (``mergeIndex``): the theme's script is
the one of a single index, and a build without search writes the same files as before. The bundle is
written with every other file: atomically, listed in the manifest, pruned when it goes stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Sequence, overload

from generator.diagnostics import BuildError, error
from generator.publish.pagefind_bundle import canonical_bundle
from generator.publish.pagefind_service import IndexPage, PagefindFailed, PageDone, index_pages

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
PARTS_FILE = f"{BUNDLE_DIR}/parts.js"
# The attribute that limits indexing to article bodies; pages without it are left out by Pagefind
# whenever any page has it, so only those pages are sent.
BODY_MARK = b"data-pagefind-body"
# Pages per part aimed at: a part of 320 pages indexes in about a second on a busy core and peaks
# near 70 MB, so re-indexing the part an edit touches fits the 2.5 s an edit may take (issue 11).
PAGES_PER_PART = 320
# Every part is a few more requests on a reader's first query; past this many a part grows instead
# (at 100,000 articles, 1,600 pages and about 300 MB a part).
MAX_PARTS = 64
# Wraps the PagefindUI constructor so the theme's script (layouts/static/js/search.js, or a site's
# own) searches every part without knowing of them: its results, filters and counts span them all.
# Each part is found beside this script; result links keep the base URL the theme passes, or
# Pagefind's default for a bundle under <base>/pagefind/.
_MERGE_SCRIPT = """/* NewsBite: the search index is in parts; every PagefindUI on this page merges them all. */
(function () {
  "use strict";
  var parts = PARTS;
  var Made = window.PagefindUI;
  var here = document.currentScript ? new URL(".", document.currentScript.src).pathname : null;
  if (typeof Made !== "function" || !parts.length || !here) {
    return;
  }
  window.PagefindUI = function (options) {
    var merged = parts.map(function (folder) {
      var part = { bundlePath: here + folder };
      if (options && options.baseUrl) {
        part.baseUrl = options.baseUrl;
      }
      return part;
    });
    var settings = Object.assign({}, options);
    settings.mergeIndex = (settings.mergeIndex || []).concat(merged);
    return new Made(settings);
  };
})();
"""
_IGNORE_ALL = b'data-pagefind-ignore="all"'
# Elements with no end tag, and markup inside which a tag's text is not a tag.
_VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"source", b"track",
         b"wbr"}
_HIDING = re.compile(rb"<(?:!--|script|style|template|textarea|!\[cdata\[)", re.IGNORECASE)
# What a part beyond the first keeps: its index. Scripts, styles and WebAssembly come from the first.
_INDEX_FOLDERS = ("index/", "fragment/", "filter/")


def pagefind_executable() -> Path:
    """Return the Pagefind binary shipped by the ``pagefind-bin`` package."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BuildError([error("site.yaml", 1, "site search needs the 'pagefind-bin' package "
                                "(pip install pagefind-bin), or build with --no-search")]) from exc
    return Path(get_executable())


def pagefind_identity() -> str:
    """Return what stands for Pagefind's version in the parts' keys: its path, size and time."""
    # A different Pagefind may index differently, so it is one of every part's inputs.
    executable = pagefind_executable()
    try:
        stat = executable.stat()
    except OSError as exc:
        raise BuildError([error("site.yaml", 1, f"Pagefind is missing: {executable} ({exc.strerror}); reinstall "
                                "'pagefind-bin', or build with --no-search")]) from exc
    return f"{executable}:{stat.st_size}:{stat.st_mtime_ns}"


def asks_for_index(html: bytes) -> bool:
    """Return whether a page marks a part of itself for indexing."""
    return BODY_MARK in html


def indexed_page(html: bytes) -> bytes:
    """Return what Pagefind is given of a page: its ``<html>`` tag and the elements marked ``data-pagefind-body``.

    When a page marks its body, Pagefind reads nothing else of it but the language, so the rest (head,
    navigation, related briefings) is neither sent nor digested: it costs Pagefind time and would make
    a part stale for changes it never sees. The whole page is given when that is not plain: no or an
    unclear body element, an ``<html>`` tag not found, or Pagefind attributes beyond the body that
    may say something (a filter or metadata outside it).
    """
    opening = html.find(b"<html")
    tag_end = html.find(b">", opening)
    bodies = _marked_elements(html, BODY_MARK)
    if opening < 0 or tag_end < 0 or not bodies or bodies[0][0] < tag_end:
        return html
    kept: list[bytes] = [html[:tag_end + 1], b"<body>"]
    outside: list[bytes] = [html[:opening]]
    at = tag_end + 1
    for start, end in bodies:
        if start < at:
            return html  # a body element within another: Pagefind's own reading decides
        outside.append(html[at:start])
        kept.append(html[start:end])
        at = end
    outside.append(html[at:])
    rest = b"".join(outside).replace(_IGNORE_ALL, b"").replace(b"data-pagefind-ignore", b"")
    if b"data-pagefind-" in rest:
        return html
    kept.append(b"</body></html>")
    return b"".join(kept)


def indexed_digest(html: bytes) -> str:
    """Return a digest of what Pagefind reads of a page: ``indexed_page``, less each ``data-pagefind-ignore="all"`` element.

    Pagefind skips such an element whole (text, filters, meta, sort keys), so a change inside one
    leaves its part's index as it was. Where an element's end is not plain to find (markup that could
    hide a tag: comments, scripts, styles, templates), the element is kept in the digest: a part may
    then be indexed again for nothing, never kept stale.
    """
    html = indexed_page(html)
    kept: list[bytes] = []
    at = 0
    for start, end in _ignored_elements(html):
        if start >= at:
            kept.append(html[at:start])
            at = end
    kept.append(html[at:])
    return hashlib.sha1(b"".join(kept)).hexdigest()


def _ignored_elements(html: bytes) -> list[tuple[int, int]]:
    """Return the (start, end) byte ranges of the elements marked ``data-pagefind-ignore="all"``."""
    found: list[tuple[int, int]] = []
    mark = html.find(_IGNORE_ALL)
    while mark >= 0:
        span = _element_at(html, html.rfind(b"<", 0, mark), mark)
        if span is not None:
            found.append(span)
        mark = html.find(_IGNORE_ALL, mark + 1)
    return found


def _marked_elements(html: bytes, attribute: bytes) -> list[tuple[int, int]]:
    """Return the byte ranges of the elements whose start tag holds ``attribute``; none if any is unclear."""
    found: list[tuple[int, int]] = []
    mark = html.find(attribute)
    while mark >= 0:
        span = _element_at(html, html.rfind(b"<", 0, mark), mark)
        if span is None:
            return []
        found.append(span)
        mark = html.find(attribute, span[1])
    return found


def _element_at(html: bytes, start: int, mark: int) -> tuple[int, int] | None:
    """Return the range of the element whose start tag, holding ``mark``, begins at ``start``; None when unsure."""
    name_end = start + 1
    while name_end < len(html) and html[name_end:name_end + 1].isalnum():
        name_end += 1
    name = html[start + 1:name_end]
    if start < 0 or not name or name.lower() in _VOID or html.find(b">", start) < mark:
        return None  # not plainly a start tag holding the mark
    depth, at = 0, start
    while True:
        opening, closing = html.find(b"<" + name, at), html.find(b"</" + name, at)
        if closing < 0:
            return None
        if 0 <= opening < closing:
            # <aside> opens another; <a> does not match <aside>, so the byte after the name decides.
            depth += _ends_name(html, opening + 1 + len(name))
            at = opening + 1
            continue
        if not _ends_name(html, closing + 2 + len(name)):
            at = closing + 1
            continue
        depth, at = depth - 1, closing + 1
        if depth == 0:
            end = html.find(b">", closing)
            if end < 0 or _HIDING.search(html, start, end):  # searched in place: elements are 20 KB
                return None
            return start, end + 1


def _ends_name(html: bytes, at: int) -> bool:
    return html[at:at + 1] in (b" ", b"\t", b"\n", b"\r", b">", b"/")


def part_count(pages: int) -> int:
    """Return how many parts index ``pages`` pages: a power of two, so most sizes keep their split."""
    count = 1
    while count < MAX_PARTS and count * PAGES_PER_PART < pages:
        count *= 2
    return count


def part_of(rel: str, count: int) -> int:
    """Return the part that indexes output file ``rel``: a hash of its path, the same on every machine."""
    return int(hashlib.sha1(rel.encode("utf-8")).hexdigest()[:8], 16) % count


def part_folder(number: int) -> str:
    """Return the output folder of part ``number``."""
    return BUNDLE_DIR if number == 0 else f"{BUNDLE_DIR}/parts/{number:02d}"


def parts_listing(numbers: Sequence[int]) -> bytes:
    """Return ``pagefind/parts.js``: the script that merges the parts other than the first into the search UI."""
    folders = [part_folder(n).removeprefix(BUNDLE_DIR + "/") + "/" for n in numbers if n]
    return _MERGE_SCRIPT.replace("PARTS", json.dumps(folders)).encode("utf-8")


def listed_parts(script: bytes) -> list[str]:
    """Return the part folders a ``parts.js`` lists (relative to ``pagefind/``)."""
    line = next(line for line in script.decode("utf-8").splitlines() if line.lstrip().startswith("var parts = "))
    folders: list[str] = json.loads(line.split("=", 1)[1].strip().removesuffix(";"))
    return folders


def page_url(rel: str) -> str:
    """Return the URL path, under the site root, that Pagefind links a page's results to."""
    url = "/" + rel
    return url.removesuffix("index.html") if url.endswith("/index.html") else url


def index_part(number: int, pages: Sequence[tuple[str, bytes]], page_done: PageDone | None = None) -> dict[str, bytes]:
    """Return part ``number``'s bundle (output path -> bytes) for ``pages`` (output path, HTML), in path order."""
    executable = pagefind_executable()
    log.debug("indexing part %d: %d pages", number, len(pages))
    try:
        bundle = index_pages(executable, _Given(pages), page_done)
    except PagefindFailed as exc:
        first = f", from {pages[0][0]}" if pages else ""
        raise BuildError([error("site.yaml", 1, f"Pagefind failed to index search part {number} ({len(pages)} "
                                f"pages{first}): {exc}; build with --no-search to skip search")]) from exc
    folder = part_folder(number)
    files = {f"{folder}/{path}": data for path, data in bundle.items() if number == 0 or _is_index_file(path)}
    return canonical_bundle(files, folder)


class _Given(Sequence[IndexPage]):
    """A part's pages as Pagefind is given them, each made (read, ``indexed_page``) only as it is sent:
    at 100,000 articles a part's pages are 25 MB, and several parts are indexed at once."""

    def __init__(self, pages: Sequence[tuple[str, bytes]]) -> None:
        self._pages = pages

    def __len__(self) -> int:
        return len(self._pages)

    @overload
    def __getitem__(self, at: int) -> IndexPage: ...

    @overload
    def __getitem__(self, at: slice) -> Sequence[IndexPage]: ...

    def __getitem__(self, at: int | slice) -> IndexPage | Sequence[IndexPage]:
        if isinstance(at, slice):
            return [self[n] for n in range(*at.indices(len(self)))]
        rel, html = self._pages[at]
        return IndexPage(page_url(rel), indexed_page(html))


def _is_index_file(path: str) -> bool:
    return (path == "pagefind-entry.json" or path.startswith(_INDEX_FOLDERS)
            or (path.startswith("pagefind.") and path.endswith(".pf_meta")))
