"""The dev server's HTTP side: the shared build state, the listener, and the request handler.

The handler serves only files inside the output folder (``urlpaths`` normalises the request path,
``output.find_served`` resolves it), injects ``devpage``'s reload script into HTML, makes a request
wait out a build in flight (MkDocs), and streams the build state to open tabs as Server-Sent Events
(SPEC sections 6 and 7, issue 3). Before the first build has published, a request waits only for
that build's plan, and is answered from it (``build.ondemand``): the same pages, made on request,
while the build writes them all. ``serve`` owns the builds and writes the state; this module reads it.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import posixpath
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Protocol

from generator.build.ondemand import NotRendered, PlannedOutput
from generator.diagnostics import Diagnostic, UsageError
from generator.publish import output
from generator.serve import devpage
from generator.serve.urlpaths import RequestPath, content_type, normalise_request_path

log = logging.getLogger(__name__)

WAIT_FOR_BUILD = 10.0  # seconds a request waits out a build in flight before serving what exists
WAIT_FOR_PLAN = 60.0  # seconds a request waits for the first build's plan (a cold start of a big site)
WRITER_FILES = ".newsbite-"
SWITCH_INTERVAL = 0.0005
# Seconds between SSE comments: writing to a tab that went away fails, and its stream (and thread)
# ends within two of them.
HEARTBEAT = 2.0


@dataclass(frozen=True, slots=True)
class BuildState:
    """The dev server's view of the last build, as every request and event stream sees it."""

    version: int = 0  # bumps on every update, so waiters know something happened
    epoch: int = 0  # bumps when the output changed: open tabs older than this reload
    problems: tuple[Diagnostic, ...] = ()
    excerpts: tuple[devpage.Excerpt, ...] = ()  # the source lines around each problem, where readable
    building: bool = False
    has_output: bool = False
    closed: bool = False
    # The plan of the build in flight while nothing has been published yet: pages come from it.
    # The epoch that build publishes is ``epoch + 1`` (a build that ends without output bumps it too).
    planned: PlannedOutput | None = None


class StateBoard:
    """A thread-safe holder of the current ``BuildState`` that waiters can block on."""

    def __init__(self) -> None:
        self._state = BuildState()
        self._changed = threading.Condition()

    def current(self) -> BuildState:
        with self._changed:
            return self._state

    def update(self, **changes: Any) -> BuildState:
        with self._changed:
            self._state = dataclasses.replace(self._state, version=self._state.version + 1, **changes)
            self._changed.notify_all()
            return self._state

    def wait_newer(self, version: int, timeout: float) -> BuildState:
        """Return the state once its version differs from ``version`` (or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.version != version or self._state.closed, timeout)
            return self._state

    def wait_planned(self, timeout: float) -> BuildState:
        """Return the state once the build in flight has a plan, or no build is running (or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.planned is not None or not self._state.building
                                   or self._state.closed, timeout)
            return self._state

    def wait_idle(self, timeout: float) -> BuildState:
        """Return the state once no build is running (or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._state.building or self._state.closed, timeout)
            return self._state


class ServedSite(Protocol):
    """What the handler needs from the running server."""

    board: StateBoard
    output_dir: Path


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive on exit
    # Connections waiting to be accepted: a page with its assets in many tabs, or a load test of a
    # thousand clients connecting at once, must not be reset (Linux caps it at net.core.somaxconn).
    request_queue_size = 4096
    app: ServedSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response is normal for a dev server; keep the details for -v.
        log.debug("request from %s failed", client_address, exc_info=True)


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


def bind_server(host: str, port: int, app: ServedSite) -> _HttpServer:
    """Return a listening HTTP server; raise UsageError naming a free port when ``port`` is taken."""
    server_class = _HttpServer6 if ":" in host else _HttpServer
    try:
        httpd = server_class((host, port), _Handler)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host!r}: {exc.strerror}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            free = next_free_port(host, port + 1)
            hint = f"try --port {free}" if free else "try --port 0 for any free port"
            raise UsageError(f"port {port} on {host} is already in use; {hint}") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    httpd.app = app
    # A thread per connection: with hundreds of clients, each new thread's start, and so the accept
    # loop, waits its turn for the interpreter lock behind every busy one. Handing the lock over
    # more often (every 0.5 ms, not 5) keeps the slowest answers within a second or two.
    sys.setswitchinterval(SWITCH_INTERVAL)
    return httpd


def next_free_port(host: str, start: int, tries: int = 50) -> int | None:
    """Return the first port from ``start`` that can be bound on ``host``, or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in range(start, min(start + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    # HTTP/1.1: a browser fetches a page and its assets over one kept-alive connection instead of
    # opening one per file. Every answer says its length, so the next request can follow on.
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm the second waits for the
    # client's delayed acknowledgement of the first, 40 ms a request on a kept-alive connection.
    disable_nagle_algorithm = True
    timeout = 30  # a client that opens a connection and says nothing is dropped

    def version_string(self) -> str:
        return "newsbite-dev"

    def end_headers(self) -> None:
        # An HTTP/1.0 client that asked to keep the connection is told it is kept: unless told, it
        # waits for the connection to close to know the answer has ended.
        if self.request_version == "HTTP/1.0" and not self.close_connection:
            self.send_header("Connection", "keep-alive")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if log.isEnabledFor(logging.DEBUG):  # every request is logged: format it only when it is shown
            log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        request = normalise_request_path(self.path)
        if request is None:
            self._send(400, devpage.plain_page(400, "Bad Request", "That address cannot be served."),
                       "text/html; charset=utf-8", send_body)
            return
        if "/" + request.rel == devpage.EVENTS_PATH:
            if send_body:
                self._stream_events()
            else:  # HEAD: the headers, not a stream that never ends
                self._send(200, b"", "text/event-stream; charset=utf-8", send_body)
            return
        if "/" + request.rel == devpage.SCRIPT_PATH:
            self._send(200, devpage.RELOAD_SCRIPT.encode("utf-8"), "text/javascript; charset=utf-8", send_body)
            return
        board = self.server.app.board
        state = board.current()
        if state.building and not state.has_output:
            state = board.wait_planned(WAIT_FOR_PLAN)
            if state.planned is not None and not state.has_output:
                try:
                    self._send_file(request, _Planned(state.planned), state.epoch + 1, send_body)
                    return
                except NotRendered:  # a template failed, or the build just ended: its outcome answers
                    state = board.current()
        if state.building:
            state = board.wait_idle(WAIT_FOR_BUILD)  # MkDocs: a request waits out a build in flight
        if not state.has_output:
            self._send_no_output(state, send_body)
            return
        self._send_file(request, _OutputFolder(self.server.app.output_dir), state.epoch, send_body)

    def _send_file(self, request: RequestPath, files: _Files, epoch: int, send_body: bool) -> None:
        rel = request.rel
        kind = files.find(rel)
        if any(part.startswith(WRITER_FILES) for part in rel.split("/")):
            kind = "missing"  # the writer's manifest and staging folder are not part of the site
        if kind == "dir" and not request.slash:
            self._redirect_to_folder(request)
            return
        if kind == "dir":
            rel = f"{rel}/index.html".lstrip("/")
        elif kind == "file" and request.slash:
            kind = "missing"  # /style.css/ is not /style.css
        found = files.read(rel) if kind != "missing" else None
        if found is None:
            self._send_not_found(files, epoch, send_body)
            return
        data, name = found
        self._send(200, data, content_type(name), send_body, epoch)

    def _redirect_to_folder(self, request: RequestPath) -> None:
        # Built from the normalised path, so "//evil.example" can never become an off-site redirect.
        location = request.url_path() + "/" + (f"?{request.query}" if request.query else "")
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_not_found(self, files: _Files, epoch: int, send_body: bool) -> None:
        found = files.read("404.html")
        data = found[0] if found is not None else devpage.plain_page(404, "Not Found",
                                                                      "Nothing is built at this address.")
        self._send(404, data, "text/html; charset=utf-8", send_body, epoch)

    def _send_no_output(self, state: BuildState, send_body: bool) -> None:
        if state.problems:
            self._send(500, devpage.error_page(state.problems, state.epoch, state.excerpts), "text/html; charset=utf-8", send_body)
            return
        page = devpage.plain_page(503, "Building", "The first build is still running; this page reloads when it is done.")
        self._send(503, devpage.inject_reload_script(page, state.epoch), "text/html; charset=utf-8", send_body)

    def _send(self, status: int, data: bytes, ctype: str, send_body: bool, epoch: int | None = None) -> None:
        if epoch is not None and ctype.startswith("text/html"):
            data = devpage.inject_reload_script(data, epoch)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _stream_events(self) -> None:
        # A stream has no length: it ends when the connection closes, and nothing follows it on it.
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            for message in _event_messages(self.server.app.board):
                self.wfile.write(message)
                self.wfile.flush()
        except (OSError, ValueError):  # the tab went away
            return


class _Files(Protocol):
    """Where the served files come from: the output folder, or the plan of the build in flight."""

    def find(self, rel: str) -> str:
        """Return "file", "dir" or "missing" for a normalised path."""
        ...

    def read(self, rel: str) -> tuple[bytes, str] | None:
        """Return a file's bytes and the name its type is told by, or None when there is no such file."""
        ...


class _OutputFolder:
    """The files the last build published."""

    def __init__(self, out_dir: Path) -> None:
        self._out_dir = out_dir

    def find(self, rel: str) -> str:
        return output.find_served(self._out_dir, rel)[0]

    def read(self, rel: str) -> tuple[bytes, str] | None:
        kind, path = output.find_served(self._out_dir, rel)
        data = output.read_served(path) if kind == "file" and path is not None else None
        return None if data is None or path is None else (data, path.name)


class _Planned:
    """The files the build in flight plans, made on request (raises ``NotRendered`` when one cannot be)."""

    def __init__(self, planned: PlannedOutput) -> None:
        self._planned = planned

    def find(self, rel: str) -> str:
        return self._planned.find(rel)

    def read(self, rel: str) -> tuple[bytes, str] | None:
        data = self._planned.read(rel)
        return None if data is None else (data, posixpath.basename(rel))


def _event_messages(board: StateBoard) -> Iterator[bytes]:
    """Yield SSE messages: the state now, then each settled change, with heartbeats in between."""
    seen, last = -1, None
    while True:
        state = board.wait_newer(seen, HEARTBEAT)
        if state.closed:
            return
        if state.version == seen:
            yield b": still here\n\n"
            continue
        seen = state.version
        if state.building:
            continue  # tell tabs about the outcome, not the start
        key = (state.epoch, state.problems)
        if key != last:
            last = key
            yield devpage.state_message(state.epoch, state.problems, state.excerpts)
