"""Benchmark: time from saving one article to its rebuilt page on disk, `newsbite serve` beside `hugo server`.

    python bench/serve_rebuild.py [--articles 10000] [--runs 5] [--work DIR] [--no-hugo] [--edit title|body]

Generates the corpus with ../shared/bench/make_corpus.py (ours and the hugo flavor, same seed), starts
both dev servers, waits until each has the article's page on disk and has stopped writing, then
alternates edits: each run rewrites one article's title (or, with `--edit body`, the words at the
start of its body, which leaves the site's structure as it was), and the clock runs from just
before the write until the article's page in the server's output folder holds the new text. Every save is
counted, the first one too. Each server's own rebuild figure (ours: "in N ms"; Hugo: "Total in
N ms") is reported when it prints one. Hugo runs as Debian's `hugo` with `--renderToDisk` and the
reference config in ../shared/bench/peers/hugo; `apt-get install -y hugo` when it is missing.
Standalone, ours runs from the working tree; bench/run.py runs it from its snapshot.
"""

from __future__ import annotations

import argparse
import os
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
from dataclasses import dataclass, field
from pathlib import Path

import harness

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
START_TIMEOUT = 900.0  # a cold first build of 10,000 articles takes a while
EDIT_TIMEOUT = 600.0
OWN_FIGURE_TIMEOUT = 10.0  # the server's own summary line; its wording may change, so it is optional
SETTLED = 1.0  # seconds without a change to the output folder before the first save
SITE_YAML = "title: NewsBite\nbase_url: https://example.org/\nper_page: 20\n"


@dataclass
class Server:
    """A dev server subprocess, its output lines, the article being edited and its output page."""

    name: str
    process: subprocess.Popen[str]
    output_dir: Path
    article: Path
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    page: Path | None = None
    latencies: list[float] = field(default_factory=list)
    reported: list[float] = field(default_factory=list)
    own_figure: str = r"in ([\d,.]+) ms"
    original: str = ""  # the article as it was, put back when the server stops

    def __post_init__(self) -> None:
        self.original = self.article.read_text(encoding="utf-8")

    def start_reader(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))
        threading.Thread(target=read, daemon=True).start()

    def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
        found = self.next_line(pattern, timeout)
        if found is None:
            raise SystemExit(f"{self.name}: no line matching {pattern!r} within {timeout:.0f} s")
        return found

    def next_line(self, pattern: str, timeout: float) -> re.Match[str] | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise SystemExit(f"{self.name} exited with status {self.process.returncode}")
                continue
            found = re.search(pattern, line)
            if found:
                return found
        return None

    def drain(self) -> list[str]:
        lines = []
        while not self.lines.empty():
            lines.append(self.lines.get())
        return lines

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.article.write_text(self.original, encoding="utf-8")


def make_corpus(folder: Path, articles: int, flavor: str) -> None:
    subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(folder), "--articles", str(articles),
                    "--flavor", flavor], check=True, stdout=subprocess.DEVNULL)


def first_article(site: Path) -> Path:
    return sorted((site / "content").rglob("*.md"))[0]


def title_of(article: Path) -> str:
    found = re.search(r'(?m)^title: "?(.*?)"?$', article.read_text(encoding="utf-8"))
    if found is None:
        raise SystemExit(f"{article}: no title line")
    return found.group(1)


def set_title(article: Path, title: str) -> None:
    text = article.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)
    article.write_text(text, encoding="utf-8")


def set_body_start(article: Path, words: str) -> None:
    """Put ``words`` at the start of the body, in place of what the last call put there."""
    text = article.read_text(encoding="utf-8")
    front, end, body = text.partition("\n---\n")  # the file opens with '---': this line closes the front matter
    body = re.sub(r"^\n*(Bench edit \d+ [^.]*\. )?", "\n" + words + ". ", body, count=1)
    article.write_text(front + end + body, encoding="utf-8")


def start_ours(site: Path, newsbite: harness.NewsBite | None = None) -> Server:
    """Start `newsbite serve` (from the working tree, or from bench/run.py's snapshot) and wait for its page."""
    env = newsbite.env if newsbite else dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0"],
        cwd=newsbite.src if newsbite else REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C works even when run with '&'
    )
    server = Server("newsbite serve", process, Path(), first_article(site))
    server.start_reader()
    started = time.monotonic()
    server.output_dir = Path(server.wait_line(r" into (/\S*) \.\.\.$", 60).group(1))
    server.page = find_page(server, title_of(server.article), START_TIMEOUT)
    # The pages are on disk before the search index is (the server publishes them first): a save
    # before its first build has finished would wait for it, and be timed with it.
    server.wait_line(r"Initial build: .* in [\d,.]+ ms", START_TIMEOUT)
    wait_settled(server)
    print(f"newsbite serve: article page on disk and output settled {time.monotonic() - started:.1f} s after start",
          flush=True)
    return server


def start_hugo(site: Path, out: Path) -> Server:
    hugo = shutil.which("hugo")
    if hugo is None:
        raise SystemExit("hugo is not installed: apt-get install -y hugo (or pass --no-hugo)")
    port = free_port()
    process = subprocess.Popen(
        [hugo, "server", "--source", str(site), "--bind", "127.0.0.1", "--port", str(port), "--renderToDisk",
         "--destination", str(out), "--baseURL", f"http://127.0.0.1:{port}/"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    server = Server("hugo server", process, out, first_article(site), own_figure=r"Total in (\d+) ms")
    server.start_reader()
    started = time.monotonic()
    server.wait_line(r"Web Server is available", START_TIMEOUT)
    server.page = find_page(server, title_of(server.article), START_TIMEOUT)
    wait_settled(server)
    print(f"hugo server: article page on disk and output settled {time.monotonic() - started:.1f} s after start",
          flush=True)
    return server


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_settled(server: Server) -> None:
    """Wait until no file in the output folder has changed for a second: the first build is done."""
    def state() -> tuple[int, int]:
        count, newest = 0, 0
        for folder, _, names in os.walk(server.output_dir):
            for name in names:
                try:
                    newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
                except FileNotFoundError:
                    continue
                count += 1
        return count, newest
    end = time.monotonic() + START_TIMEOUT
    last = state()
    while time.monotonic() < end:
        time.sleep(SETTLED)
        now = state()
        if now == last:
            return
        last = now
    raise SystemExit(f"{server.name}: output still changing after {START_TIMEOUT:.0f} s")


def find_page(server: Server, marker: str, timeout: float) -> Path:
    """Return the article's own page: the index.html under a folder named after its file."""
    end = time.monotonic() + timeout
    stem = server.article.stem
    while time.monotonic() < end:
        for folder, dirs, names in os.walk(server.output_dir):  # os.walk shrugs off folders that vanish
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # staging folders of a build in flight
            page = Path(folder) / "index.html"
            if Path(folder).name == stem and "index.html" in names and marker in read(page):
                return page
        time.sleep(0.2)
    raise SystemExit(f"{server.name}: no page for {server.article.name} showed {marker!r}")


def read(page: Path) -> str:
    try:
        return page.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:  # between a staged write and its swap into place
        return ""


def timed_edit(server: Server, run: int, edit: str = "title") -> None:
    """Edit the title (or body), time until the page on disk shows it, then collect the server's own figure."""
    assert server.page is not None, "start_ours and start_hugo locate the page"
    marker = f"Bench edit {run} {server.name}"
    server.drain()
    started = time.perf_counter()
    (set_body_start if edit == "body" else set_title)(server.article, marker)
    end = time.monotonic() + EDIT_TIMEOUT
    while marker not in read(server.page):
        if time.monotonic() > end:
            raise SystemExit(f"{server.name}: page never showed the edit")
        time.sleep(0.001)
    server.latencies.append(time.perf_counter() - started)
    own = server.next_line(server.own_figure, OWN_FIGURE_TIMEOUT)
    if own:
        server.reported.append(float(own.group(1).replace(",", "")) / 1000)
    print(f"  save {run}: {server.name}: {server.latencies[-1] * 1000:.0f} ms to disk, "
          f"its own figure {own.group(1) + ' ms' if own else 'not printed'}", flush=True)
    time.sleep(1.0)  # let each server settle before the next edit


def measure_saves(servers: list[Server], runs: int, edit: str = "title") -> None:
    """Alternate `runs` timed saves over the servers, so a noisy minute hits each alike."""
    for run in range(1, runs + 1):
        for server in servers:
            timed_edit(server, run, edit)


def summary(server: Server) -> str:
    if not server.latencies:
        return f"{server.name}: no runs"
    values = ", ".join(f"{v * 1000:.0f}" for v in server.latencies)
    own = f"{statistics.median(server.reported) * 1000:.0f} ms" if server.reported else "not printed"
    return (f"{server.name:16} save-to-disk median {statistics.median(server.latencies) * 1000:6.0f} ms, "
            f"max {max(server.latencies) * 1000:.0f} ms (runs: {values}); its own rebuild figure median {own}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, help="folder for corpora and output (default: a new temp folder)")
    parser.add_argument("--no-hugo", action="store_true", help="measure newsbite serve only")
    parser.add_argument("--edit", choices=("title", "body"), default="title",
                        help="what each save changes: the title (the site's structure) or the words a body starts with")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsbite-bench-serve-"))
    ours_site, hugo_site = work / "c-ours", work / "c-hugo"
    if not ours_site.exists():
        make_corpus(ours_site, args.articles, "ours")
        (ours_site / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    if not args.no_hugo and not hugo_site.exists():
        make_corpus(hugo_site, args.articles, "hugo")
        shutil.copytree(SHARED / "peers" / "hugo", hugo_site, dirs_exist_ok=True)
    servers = [start_ours(ours_site)]
    try:
        if not args.no_hugo:
            servers.append(start_hugo(hugo_site, work / "out-hugo"))
        measure_saves(servers, args.runs, args.edit)
    finally:
        for server in servers:
            server.stop()
    print(f"\n{args.articles:,} articles, {os.cpu_count()} cores, {args.runs} saves each:")
    for server in servers:
        print(summary(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
