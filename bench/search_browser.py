"""What a reader's browser does with the search index: bytes of a first query, results of queries.

Both run in Debian's Chromium (`/usr/bin/chromium`, through Playwright: no browser is downloaded)
against a real HTTP server on 127.0.0.1 that serves the output folder as a static host does. The
server counts every byte it writes (status line, headers and body), by path, so what a reader's
first query transfers is measured where it leaves, with nothing the browser fetched left out (a
Web Worker's requests included). `compress=True` gzips text responses (HTML, CSS, JS, JSON, SVG)
for a browser that accepts it, as most static hosts do; Pagefind's own index files are gzip already
and go as they are either way.
"""

from __future__ import annotations

import functools
import gzip
import re
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
SINGLE = "/_single-index/"  # where `same_results` serves the single index beside the site
_TEXT = (".html", ".css", ".js", ".json", ".svg", "/")
# The search UI has answered: its message is no longer "Searching", and every result shown (the
# first five) has its link, which comes with its fragment, from whichever part holds it.
ANSWERED = """() => {
  const message = document.querySelector('.pagefind-ui__message');
  if (!message || message.textContent.includes('Searching')) return false;
  const count = /(\\d+) results? for/.exec(message.textContent);
  const shown = count ? Math.min(Number(count[1]), 5) : 0;
  const results = [...document.querySelectorAll('.pagefind-ui__result')];
  return results.filter(r => r.querySelector('.pagefind-ui__result-link')).length >= shown;
}"""
# Pagefind's own API, as PagefindUI drives it: the first bundle, then each part merged into it.
# Results are compared by page URL, which comes with each result's fragment (so the queries are
# chosen to find hundreds of pages, not thousands).
RESULTS = """async ({bundle, parts, queries}) => {
  const pagefind = await import(bundle + "pagefind.js");
  await pagefind.options({bundlePath: bundle, baseUrl: "/"});
  for (const part of parts) {
    await pagefind.mergeIndex(part, {baseUrl: "/"});
  }
  const found = {};
  for (const query of queries) {
    const search = await pagefind.search(query);
    found[query] = await Promise.all(search.results.map(async r => [r.id, (await r.data()).url]));
  }
  return found;
}"""


class _Counted:
    """A connection's output stream that adds every byte written to its server's tally, by path."""

    def __init__(self, stream: Any, tally: Counter[str], lock: threading.Lock, key: list[str]) -> None:
        self._stream, self._tally, self._lock, self._key = stream, tally, lock, key

    def write(self, data: bytes) -> int:
        with self._lock:
            self._tally[self._key[0]] += len(data)
        written: int = self._stream.write(data)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Handler(SimpleHTTPRequestHandler):
    tally: Counter[str]
    lock: threading.Lock
    compress: bool
    mounts: dict[str, str]  # URL path prefix -> folder served there instead

    def setup(self) -> None:
        super().setup()
        self._key = ["?"]
        self.wfile = _Counted(self.wfile, self.tally, self.lock, self._key)  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass

    def translate_path(self, path: str) -> str:
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                return str(Path(folder) / path[len(prefix):].split("?", 1)[0].split("#", 1)[0])
        return super().translate_path(path)

    def do_GET(self) -> None:
        self._key[0] = self.path.split("?", 1)[0]
        if not self.compress or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().do_GET()
        file = Path(self.translate_path(self.path))
        if file.is_dir():
            file = file / "index.html"
        if not self._key[0].endswith(_TEXT) or not file.is_file():
            return super().do_GET()
        body = gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class Served:
    url: str
    tally: Counter[str]


@contextmanager
def serving(root: Path, compress: bool = False, mounts: dict[str, Path] | None = None) -> Iterator[Served]:
    """Serve ``root`` on 127.0.0.1 (and each of ``mounts`` under its URL path); yield its URL and its byte tally."""
    tally: Counter[str] = Counter()
    handler = type("Handler", (_Handler,), {"tally": tally, "lock": threading.Lock(), "compress": compress,
                                             "mounts": {k: str(v) for k, v in (mounts or {}).items()}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{httpd.server_address[1]}/", tally)
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class QueryBytes:
    """What a first query transferred: in all, by kind of file, and the message the UI showed."""

    total: int
    requests: int
    by_kind: dict[str, tuple[int, int]]  # kind -> (requests, bytes)
    message: str

    def breakdown(self) -> str:
        ordered = sorted(self.by_kind.items(), key=lambda item: -item[1][1])
        return "; ".join(f"{kind} {size / 1000:.1f} KB ({count})" for kind, (count, size) in ordered)


def _kind(path: str) -> str:
    """Group a requested path: index chunks, metadata, filters, fragments, each part alike."""
    folder = "part " if "/pagefind/parts/" in path else ""
    for suffix, kind in ((".pf_index", "index chunks"), (".pf_meta", "metadata"), (".pf_filter", "filters"),
                         (".pf_fragment", "fragments"), ("pagefind-entry.json", "entry files")):
        if path.endswith(suffix):
            return folder + kind
    name = path.rsplit("/", 1)[-1]
    if "/pagefind/" in path:
        return re.sub(r"\.[0-9a-f]{6,}\.", ".", name)  # pagefind.js, the WebAssembly, the UI's script and style
    return "page and site files" if not name or name.endswith((".html", ".css", ".svg", ".js", ".ico")) else name


def first_query(out: Path, query: str, compress: bool = False, single: Path | None = None,
                timeout_ms: int = 60_000) -> QueryBytes:
    """Open the search page at ?q=``query`` in a fresh browser; return what reached it until the UI answered.

    With ``single``, that bundle is served as the site's pagefind/ (one single index of the same pages,
    for comparison; the parts' script is then not found, and the UI searches that index alone).
    """
    mounts = {"/pagefind/": single} if single else {}
    with serving(out, compress, mounts) as served, chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(served.url + "search/?q=" + query)
        page.wait_for_function(ANSWERED, timeout=timeout_ms)
        page.wait_for_load_state("networkidle")  # the filters the UI loads beside the results
        message = page.locator(".pagefind-ui__message").text_content() or ""
        tally = dict(served.tally)
    by_kind: dict[str, tuple[int, int]] = {}
    for path, size in tally.items():
        count, total = by_kind.get(_kind(path), (0, 0))
        by_kind[_kind(path)] = (count + 1, total + size)
    return QueryBytes(sum(tally.values()), len(tally), by_kind, message.strip())


def result_pages(out: Path, parts: list[str], single: Path, queries: list[str]) -> dict[str, tuple[set[str], set[str]]]:
    """For each query, the pages found by the site's index in parts and by one single index of the same pages."""
    found: dict[str, dict[str, list[list[str]]]] = {}
    with serving(out, mounts={SINGLE: single}) as served, chromium() as browser:
        for name, bundle, merged in (("parts", "/pagefind/", [f"/pagefind/{p}" for p in parts]),
                                     ("single", SINGLE, [])):
            page = browser.new_context().new_page()
            page.goto(served.url + "404.html")  # any page of the site's origin: the import needs one
            found[name] = page.evaluate(RESULTS, {"bundle": bundle, "parts": merged, "queries": queries})
            page.context.close()
    return {query: ({url for _id, url in found["parts"][query]}, {url for _id, url in found["single"][query]})
            for query in queries}
