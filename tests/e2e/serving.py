"""Helpers for dev-server tests: a small site, a server in this process or as a real subprocess."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from generator.serve.devhttp import BuildState
from generator.serve.server import DevServer, ServeOptions

DEADLINE = 15.0  # every wait in these tests is bounded, so nothing hangs


def article(title: str, topics: list[str], day: int, body: str = "Body text.") -> str:
    """Return an article file with the given headline, topics and January 2022 day."""
    return (f"---\ntitle: {title}\ndate: 2022-01-{day:02d}T10:00:00+11:00\n"
            f"topics: [{', '.join(topics)}]\n---\n{body}\n")


SITE_FILES = {
    "content/2022/alpha.md": article("Alpha troops arrive", ["Kazakhstan", "CSTO"], 9),
    "content/2022/bravo.md": article("Bravo talks stall", ["Kazakhstan"], 10),
    "content/2022/charlie.md": article("Charlie market rallies", ["Economy"], 11),
    "content/2022/delta.md": article("Delta pipeline opens", ["Energy"], 12),
}


def wait_for(check: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll ``check`` until it is true; fail the test naming ``what`` after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")


def wait_for_build(server: DevServer, after: BuildState) -> BuildState:
    """Wait until a build newer than ``after`` has finished; return its state."""
    def done() -> bool:
        now = server.board.current()
        return now.version > after.version and not now.building and (
            now.epoch != after.epoch or now.problems != after.problems)
    wait_for(done, "a rebuild")
    return server.board.current()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, method: str = "GET") -> Response:
    """Fetch ``url`` without following redirects; HTTP errors are responses too."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, method=method)
    try:
        with opener.open(request, timeout=DEADLINE) as reply:
            return Response(reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


def start_in_process(site: Path) -> DevServer:
    """Start a dev server for ``site`` on an ephemeral port in this process."""
    server = DevServer(ServeOptions(site_dir=site, port=0, quiet=0.05), emit=lambda line: None)
    server.start()
    return server


def _ctrl_c_as_in_a_terminal() -> None:
    # A shell without job control starts background commands with SIGINT ignored, and children
    # inherit that; the server must see SIGINT the way it does when Ctrl-C is pressed in a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ServeProcess:
    """``newsbite serve`` as a real subprocess, with its output read line by line."""

    def __init__(self, site: Path, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            preexec_fn=_ctrl_c_as_in_a_terminal,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for_line("Serving at").split()[2]
        self.output_dir = Path(self.seen[0].split(" into ")[1].removesuffix(" ...")) if " into " in self.seen[0] else None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, text: str) -> str:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} from newsbite serve; got {self.seen}")

    def stop(self, sig: int = 2) -> tuple[int, str]:
        """Send ``sig`` (SIGINT: Ctrl-C); return the exit status and stderr."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # stdout belongs to the reader thread (communicate() would close it under the thread's
        # feet); stderr is a few lines, read once the process has ended.
        assert self.process.stderr is not None
        with self.process.stderr:
            err = self.process.stderr.read()
        return self.process.returncode, err
