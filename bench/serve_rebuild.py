"""Benchmark: time from saving one article to its rebuilt page on disk, `newsbite serve` beside `hugo server`.

    python bench/serve_rebuild.py [--articles 10000] [--runs 5] [--work DIR] [--no-hugo]

Generates the corpus with ../shared/bench/make_corpus.py (ours and the hugo flavor, same seed), starts
both dev servers, then alternates edits: each run rewrites one article's title, and the clock runs
from just before the write until the article's page in the server's output folder holds the new
title. Each server's own rebuild figure (ours: "in N ms"; Hugo: "Total in N ms") is reported too.
Hugo runs as Debian's `hugo` with `--renderToDisk` and the reference config in
../shared/bench/peers/hugo; `apt-get install -y hugo` when it is missing.
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

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
START_TIMEOUT = 900.0  # a cold first build of 10,000 articles takes a while
EDIT_TIMEOUT = 600.0
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

    def start_reader(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))
        threading.Thread(target=read, daemon=True).start()

    def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
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
        raise SystemExit(f"{self.name}: no line matching {pattern!r} within {timeout:.0f} s")

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


def make_corpus(folder: Path, articles: int, flavor: str) -> None:
    subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(folder), "--articles", str(articles),
                    "--flavor", flavor], check=True, stdout=subprocess.DEVNULL)


def first_article(site: Path) -> Path:
    return sorted((site / "content").rglob("*.md"))[0]


def set_title(article: Path, title: str) -> None:
    text = article.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)
    article.write_text(text, encoding="utf-8")


def start_ours(site: Path) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C works even when run with '&'
    )
    server = Server("newsbite serve", process, Path(), first_article(site))
    server.start_reader()
    server.output_dir = Path(server.wait_line(r"^Building .* into (.*) \.\.\.$", 60).group(1))
    started = time.monotonic()
    server.wait_line(r"^Serving at ", START_TIMEOUT)
    print(f"newsbite serve: first build {time.monotonic() - started:.1f} s", flush=True)
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
    server = Server("hugo server", process, out, first_article(site))
    server.start_reader()
    started = time.monotonic()
    server.wait_line(r"Web Server is available", START_TIMEOUT)
    print(f"hugo server: first build {time.monotonic() - started:.1f} s", flush=True)
    return server


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def timed_edit(server: Server, run: int) -> None:
    """Edit the title, time until the page on disk shows it, then collect the server's own figure."""
    marker = f"Bench edit {run} {server.name}"
    server.drain()
    started = time.perf_counter()
    set_title(server.article, marker)
    if server.page is None:
        server.page = find_page(server, marker, EDIT_TIMEOUT)  # warm-up run: locate the page, do not count
    else:
        end = time.monotonic() + EDIT_TIMEOUT
        while marker not in read(server.page):
            if time.monotonic() > end:
                raise SystemExit(f"{server.name}: page never showed the edit")
            time.sleep(0.001)
        server.latencies.append(time.perf_counter() - started)
    own = server.wait_line(r"in ([\d,.]+) ms" if server.name.startswith("newsbite") else r"Total in (\d+) ms", EDIT_TIMEOUT)
    if run > 0:
        server.reported.append(float(own.group(1).replace(",", "")) / 1000)
        print(f"  run {run}: {server.name}: {server.latencies[-1] * 1000:.0f} ms to disk, "
              f"its own figure {own.group(1)} ms", flush=True)
    time.sleep(1.0)  # let each server settle before the next edit


def summary(server: Server) -> str:
    if not server.latencies:
        return f"{server.name}: no runs"
    values = ", ".join(f"{v * 1000:.0f}" for v in server.latencies)
    own = statistics.median(server.reported) * 1000 if server.reported else float("nan")
    return (f"{server.name:16} save-to-disk median {statistics.median(server.latencies) * 1000:8.0f} ms "
            f"(runs: {values}); its own rebuild figure median {own:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, help="folder for corpora and output (default: a new temp folder)")
    parser.add_argument("--no-hugo", action="store_true", help="measure newsbite serve only")
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
        for run in range(args.runs + 1):  # run 0 is the warm-up that finds each page
            for server in servers:
                timed_edit(server, run)
    finally:
        for server in servers:
            server.stop()
    print(f"\n{args.articles:,} articles, {os.cpu_count()} cores, {args.runs} runs each (after one warm-up):")
    for server in servers:
        print(summary(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
