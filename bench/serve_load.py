"""Benchmark: `newsbite serve` under many concurrent keep-alive clients, on loopback only.

    python bench/serve_load.py [--clients 1000] [--requests 20000] [--site DIR] [--time-limit 300] [--runs 1]

Starts `python -m generator serve --site DIR --port 0` (the repository's sample site unless
--site), waits until its first build has finished, then opens --clients connections to 127.0.0.1 at once; each
sends its share of --requests requests one after another over its one kept-alive connection
(HTTP/1.1), cycling through the home page, a briefing, the topics index, the stylesheet and a
missing page. Every answer must be whole (its Content-Length read) with the status expected.
Prints the errors (connections reset or refused, bad or missing answers), the latency of the
requests (median, p99, max, from sending a request to reading its last byte) and the throughput.
Bounded: --time-limit seconds a run, after which outstanding clients count as errors. With
--runs N, a fresh server is started for each of N runs, and the medians are printed last.
Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def start_server(site: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `newsbite serve` on a free port; return the process and its URL once the site is built."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0"], cwd=REPOSITORY,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
    threading.Thread(target=read, daemon=True).start()
    url = None
    deadline = time.monotonic() + 120
    while True:  # the URL, then the first build's end: the load meets the server as an author's edits do
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise SystemExit("newsbite serve did not finish its first build within two minutes") from None
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        url = found.group(0) if found and url is None else url
        if "Initial build" in line and url is not None:
            return process, url


def paths_of(url: str) -> list[tuple[str, int]]:
    """The paths the clients ask for, each with the status expected."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        home = answer.read().decode("utf-8")
    article = re.search(r'href="(/\d{4}/\d{2}/[^"]+/)"', home)
    css = re.search(r'href="(/[^"]+\.css)"', home)
    paths = [("/", 200), ("/topics/", 200), ("/no/such/page/", 404)]
    paths += [(article.group(1), 200)] if article else []
    paths += [(css.group(1), 200)] if css else []
    return paths


async def client(port: int, paths: list[tuple[str, int]], count: int, offset: int, tally: Tally) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as exc:
        tally.error(f"connect: {type(exc).__name__}")
        return
    try:
        for n in range(count):
            path, status = paths[(offset + n) % len(paths)]
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("ascii"))
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), None)
            if length is None:
                tally.error("answer without Content-Length")
                return
            await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - started)
            if f" {status} " not in lines[0] + " ":
                tally.error(f"status {lines[0]!r} for {path}")
            if any(line.lower() == "connection: close" for line in lines):
                tally.error("server closed a kept-alive connection")
                return
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        tally.error(f"{type(exc).__name__}")
    finally:
        writer.close()


async def load(port: int, paths: list[tuple[str, int]], clients: int, requests: int, limit: float) -> Tally:
    tally = Tally()
    share, extra = divmod(requests, clients)
    tasks = [asyncio.create_task(client(port, paths, share + (1 if n < extra else 0), n, tally)) for n in range(clients)]
    done, pending = await asyncio.wait(tasks, timeout=limit)
    for task in pending:
        task.cancel()
        tally.error("unfinished at the time limit")
    return tally


@dataclass(frozen=True)
class Figures:
    errors: int
    p99: float
    throughput: float


def run_once(args: argparse.Namespace) -> Figures:
    """Start a server, load it, stop it; print and return the figures."""
    process, url = start_server(args.site.resolve())
    try:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        paths = paths_of(url)
        started = time.perf_counter()
        tally = asyncio.run(load(port, paths, args.clients, args.requests, args.time_limit))
        seconds = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    answered = sorted(tally.latencies)
    errors = sum(tally.errors.values())
    print(f"{args.clients} clients, {args.requests} requests over kept-alive connections, {seconds:.1f} s")
    print(f"answered: {len(answered)}, errors: {errors} {dict(sorted(tally.errors.items()))}")
    if not answered:
        return Figures(errors, float("inf"), 0.0)
    p99 = answered[min(len(answered) - 1, int(len(answered) * 0.99))]
    throughput = len(answered) / seconds
    print(f"latency: median {statistics.median(answered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {answered[-1] * 1000:.0f} ms; throughput {throughput:.0f} requests/s", flush=True)
    return Figures(errors, p99, throughput)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--site", type=Path, default=REPOSITORY)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds a run may take at most")
    parser.add_argument("--runs", type=int, default=1, help="runs, each against a freshly started server")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per client, on both sides
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.clients * 2 + 256)), hard))
    runs = [run_once(args) for _ in range(max(1, args.runs))]
    if len(runs) > 1:
        print(f"{len(runs)} runs: errors {[run.errors for run in runs]}, "
              f"p99 {[round(run.p99 * 1000) for run in runs]} ms (median {statistics.median(r.p99 for r in runs) * 1000:.0f}), "
              f"throughput {[round(run.throughput) for run in runs]} requests/s "
              f"(median {statistics.median(r.throughput for r in runs):.0f})")
    sys.exit(1 if any(run.errors for run in runs) else 0)


if __name__ == "__main__":
    main()
