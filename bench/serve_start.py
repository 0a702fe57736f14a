"""Benchmark: from starting `newsbite serve` until it answers the home page and an article page.

    python bench/serve_start.py [--articles 10000] [--runs 3] [--work DIR] [--no-hugo]

The clock starts just before the process does. NewsBite runs as users run it, `python -m generator
serve --site DIR --port 0`, and the URL is read from the first line it prints with one; Hugo runs
as `hugo server --disableLiveReload` on a free port (Hugo 0.111 renders into memory by default).
The home page and then one article page are requested over HTTP every 20 ms until each answers
200 with the page itself: the start of its visible text must be the same as in a finished build
of the same site (so a "still building" page does not count). bench/run.py uses the functions
here for its "serve start" row; run standalone, this builds the reference pages itself.
"""

from __future__ import annotations

import argparse
import html
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import harness

START_TIMEOUT = 900.0
POLL = 0.02
SIGNATURE_CHARS = 400  # the start of the page's text: its header, headline and first paragraph or cards


@dataclass(frozen=True)
class Expected:
    """A page to ask for: its URL path under the server's root and the start of its visible text."""

    path: str
    text: str


def visible_text(page: str) -> str:
    """The text a reader sees, from <body> on, scripts left out, whitespace collapsed."""
    body = page[page.find("<body"):]
    body = re.sub(r"(?s)<script\b.*?</script>", " ", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def expected_pages(out: Path, article: Path) -> list[Expected]:
    """The home page and `article`'s page as a finished build in `out` has them."""
    page = harness.page_of(out, article)
    folder = page.parent.relative_to(out).as_posix()
    return [Expected("", visible_text((out / "index.html").read_text(encoding="utf-8"))[:SIGNATURE_CHARS]),
            Expected(f"{folder}/", visible_text(page.read_text(encoding="utf-8"))[:SIGNATURE_CHARS])]


def answered(url: str, expected: Expected, process: subprocess.Popen[str], deadline: float) -> None:
    """Return once GET url answers 200 with the expected page; poll every 20 ms until then."""
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode} before answering {url}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SystemExit(f"{url} did not answer with its page within {START_TIMEOUT:.0f} s")
        try:
            with urllib.request.urlopen(url, timeout=remaining) as response:
                page = response.read().decode("utf-8", errors="replace")
                if response.status == 200 and visible_text(page).startswith(expected.text):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or a 503 while it builds
        time.sleep(POLL)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # ours removes its private output folder on the way out
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def newsbite_first_page(newsbite: harness.NewsBite, site: Path, pages: list[Expected]) -> float:
    """Seconds from starting `newsbite serve` until every page in `pages` answered."""
    started = time.perf_counter()
    process = subprocess.Popen(
        newsbite.command("serve", "--site", str(site), "--port", "0"), cwd=newsbite.src, env=newsbite.env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # SIGINT stops it even when run with '&'
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None:
            try:
                found = re.search(r"https?://[^\s]+", lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise SystemExit("newsbite serve printed no URL") from None
            url = found.group(0).rstrip("/") + "/" if found else None
        for page in pages:
            answered(url + page.path, page, process, deadline)
        return time.perf_counter() - started
    finally:
        stop(process)


def hugo_first_page(site: Path, pages: list[Expected]) -> float:
    """Seconds from starting `hugo server` until every page in `pages` answered."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        ["hugo", "server", "--source", str(site), "--bind", "127.0.0.1", "--port", str(port), "--disableLiveReload"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        for page in pages:
            answered(f"http://127.0.0.1:{port}/{page.path}", page, process, deadline)
        return time.perf_counter() - started
    finally:
        stop(process)


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, help="folder for corpora and output (default: a new temp folder)")
    parser.add_argument("--no-hugo", action="store_true", help="measure newsbite serve only")
    args = parser.parse_args()
    work = (args.work or Path(tempfile.mkdtemp(prefix="newsbite-bench-start-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    newsbite = harness.NewsBite(harness.snapshot(work), jobs=None)
    ours = harness.corpus(work, "ours", args.articles)
    article = harness.articles_to_edit(ours, 1)[0]
    newsbite.build(ours, work / "out-ours", search=True)  # serve builds with search: its pages have the search box
    ours_pages = expected_pages(work / "out-ours", article)
    starts: dict[str, list[float]] = {"newsbite serve": []}
    first_page = {"newsbite serve": lambda: newsbite_first_page(newsbite, ours, ours_pages)}
    if not args.no_hugo:
        harness.ensure_hugo()
        hugo = harness.corpus(work, "hugo", args.articles)
        harness.hugo_build(hugo, work / "out-hugo")
        hugo_pages = expected_pages(work / "out-hugo", article)
        starts["hugo server"] = []
        first_page["hugo server"] = lambda: hugo_first_page(hugo, hugo_pages)
    for run in range(args.runs):  # alternate, so a noisy minute hits both alike
        for name, measure in first_page.items():
            harness.settle()
            starts[name].append(measure())
            print(f"run {run + 1}: {name} answered both pages {starts[name][-1]:.2f} s after starting", flush=True)
    for out in ("out-ours", "out-hugo"):
        shutil.rmtree(work / out, ignore_errors=True)
    print(f"\n{args.articles:,} articles, medians of {args.runs}:")
    for name, seconds in starts.items():
        print(f"{name:16} start to first page {statistics.median(seconds):.2f} s "
              f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
