"""``newsbite serve``: build, serve the output over HTTP, rebuild on change and reload open tabs.

Where it writes: a private folder under the system temp folder (``newsbite-serve-*``), made at start
and removed on exit, as ``mkdocs serve`` does. The dev build uses the server's own address as its
base URL and injects a reload script, so it must never be mistaken for (or overwrite) the real build
in ``public/``; and the one writer (``disk.write_site``) still writes only the files whose bytes
changed, so a rebuild touches only what an edit affected. A server killed with SIGKILL leaves that
folder behind for the system's temp cleaning. The Pagefind search index is left out: it re-reads
every page, seconds on a large site, on each save; ``newsbite build`` makes it.

The pieces: ``watcher`` turns filesystem events into classified changes and runs one rebuild per burst
on a single builder thread; ``StateBoard`` holds the last build's outcome (an epoch that bumps when
output changed, and the current problems); the HTTP handler serves only files inside the output
folder, injects ``devpage``'s reload script into HTML, and streams the state to open tabs as
Server-Sent Events. A failed build keeps the last good output served while tabs show an overlay
with each problem's file, line and message (SPEC sections 6 and 7, issue 3).
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import signal
import socket
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

from . import devpage, disk
from .build import BuildOptions, BuildResult, full_build
from .cache import BuildMemo
from .diagnostics import BuildError, Diagnostic, UsageError, error
from .urlpaths import RequestPath, content_type, normalise_request_path
from .watcher import Change, ChangeKind, Rebuilder, SourceWatcher, describe

log = logging.getLogger(__name__)

Emit = Callable[[str], None]
WAIT_FOR_BUILD = 10.0  # seconds a request waits out a build in flight before serving what exists
HEARTBEAT = 15.0  # seconds between SSE comments, so dead connections are noticed and closed


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``newsbite serve`` was asked for."""

    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    future: bool = False
    quiet: float = 0.1  # seconds without events before a burst of changes is built


@dataclass(frozen=True, slots=True)
class BuildState:
    """The dev server's view of the last build, as every request and event stream sees it."""

    version: int = 0  # bumps on every update, so waiters know something happened
    epoch: int = 0  # bumps when the output changed: open tabs older than this reload
    problems: tuple[Diagnostic, ...] = ()
    building: bool = False
    has_output: bool = False
    closed: bool = False


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

    def wait_idle(self, timeout: float) -> BuildState:
        """Return the state once no build is running (or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._state.building or self._state.closed, timeout)
            return self._state


class DevServer:
    """The running dev server: HTTP listener, watcher, builder thread and the private output folder."""

    def __init__(self, options: ServeOptions, emit: Emit) -> None:
        self.options = options
        self.board = StateBoard()
        self._emit = emit
        # Bind first: a taken port fails in a second, not after a long first build.
        self._httpd = bind_server(options.host, options.port, self)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{_url_host(options.host)}:{self.port}/"
        self.output_dir = disk.make_serve_dir()
        self._build_options = BuildOptions(
            site_dir=options.site_dir, output_dir=self.output_dir, base_url=self.url,
            drafts=options.drafts, future=options.future, search=False,
        )
        self._memo = BuildMemo()  # parsed articles, bodies and written-file records kept between rebuilds
        self._rebuilder = Rebuilder(self._rebuild, quiet=options.quiet)
        self._watcher = SourceWatcher(options.site_dir, self._rebuilder.notify)
        self._http_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                             name="newsbite-http", daemon=True)

    def start(self) -> None:
        """Serve at once (requests wait out the first build), watch, and build the whole site."""
        self.board.update(building=True)
        self._http_thread.start()
        self._watcher.start()  # before the first build, so an edit made during it is not lost
        self._rebuild(frozenset({Change("site.yaml", ChangeKind.CONFIG)}), first=True)
        self._rebuilder.start()

    def close(self) -> None:
        """Stop everything and remove the private output folder."""
        self.board.update(closed=True, building=False)
        self._watcher.close()
        self._rebuilder.close()
        if self._http_thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        disk.remove_serve_dir(self.output_dir)

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rebuild(self, changes: frozenset[Change], first: bool = False) -> None:
        """Build once and publish the outcome; any failure becomes problems shown in the browser."""
        self.board.update(building=True)
        started = time.perf_counter()
        what = "Initial build" if first else f"{describe(changes)} changed"
        try:
            result = self._run_build(changes)
        except BuildError as exc:
            self._failed(what, tuple(exc.diagnostics))
            return
        except UsageError as exc:
            self._failed(what, (error(self.options.site_dir.as_posix(), 1, str(exc)),))
            return
        except OSError as exc:  # a file vanished or is unreadable mid-build; its own event follows
            self._failed(what, (error(_os_path(exc, self.options.site_dir), 1, f"cannot read: {exc.strerror}"),))
            return
        except Exception as exc:  # a bug must not stop the server; show it like any other problem
            for line in traceback.format_exception(exc):
                self._emit(line.rstrip("\n"))
            self._failed(what, (error("newsbite", 1, f"internal error: {exc!r} (traceback in the terminal)"),))
            return
        state = self.board.current()
        changed = result.written + result.removed > 0 or first
        self.board.update(building=False, problems=(), has_output=True, epoch=state.epoch + (1 if changed else 0))
        for warning in result.warnings:
            self._emit(f"  {warning}")
        self._emit(_summary(what, result, time.perf_counter() - started))

    def _run_build(self, changes: frozenset[Change]) -> BuildResult:
        # The one place a rebuild happens. The engine finds what changed itself, by fingerprints
        # (issue 5), so ``changes`` only names the cause; it is kept for a path-driven rebuild.
        return full_build(self._build_options, self._memo)

    def _failed(self, what: str, problems: tuple[Diagnostic, ...]) -> None:
        self.board.update(building=False, problems=problems)
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        kept = "still serving the last good build" if self.board.current().has_output else "nothing to serve yet"
        self._emit(f"{_clock()} {what}: build failed, {count} ({kept}):")
        for problem in problems:
            self._emit(f"  {problem}")


def _summary(what: str, result: BuildResult, seconds: float) -> str:
    return (f"{_clock()} {what}: {result.pages:,} pages, {result.written:,} written, "
            f"{result.removed:,} removed in {seconds * 1000:,.0f} ms")


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _os_path(exc: OSError, site_dir: Path) -> str:
    if not exc.filename:
        return site_dir.as_posix()
    path = Path(str(exc.filename))
    return path.relative_to(site_dir).as_posix() if path.is_relative_to(site_dir) else path.as_posix()


def _url_host(host: str) -> str:
    """Return the host to put in URLs: a wildcard bind is reached through loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive on exit
    request_queue_size = 128  # many tabs and asset requests at once (issue 3: many clients)
    app: DevServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response is normal for a dev server; keep the details for -v.
        log.debug("request from %s failed", client_address, exc_info=True)


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


def bind_server(host: str, port: int, app: DevServer) -> _HttpServer:
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
    timeout = 30  # a client that opens a connection and says nothing is dropped

    def version_string(self) -> str:
        return "newsbite-dev"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
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
            self._stream_events()
            return
        if "/" + request.rel == devpage.SCRIPT_PATH:
            self._send(200, devpage.RELOAD_SCRIPT.encode("utf-8"), "text/javascript; charset=utf-8", send_body)
            return
        board = self.server.app.board
        state = board.current()
        if state.building:
            state = board.wait_idle(WAIT_FOR_BUILD)  # MkDocs: a request waits out a build in flight
        if not state.has_output:
            self._send_no_output(state, send_body)
            return
        self._send_file(request, state, send_body)

    def _send_file(self, request: RequestPath, state: BuildState, send_body: bool) -> None:
        out = self.server.app.output_dir
        kind, path = disk.find_served(out, request.rel)
        if kind == "dir" and not request.slash:
            self._redirect_to_folder(request)
            return
        if kind == "dir":
            kind, path = disk.find_served(out, f"{request.rel}/index.html".lstrip("/"))
        elif kind == "file" and request.slash:
            kind = "missing"  # /style.css/ is not /style.css
        data = disk.read_served(path) if kind == "file" and path is not None else None
        if data is None or path is None:
            self._send_not_found(state, send_body)
            return
        self._send(200, data, content_type(path.name), send_body, state.epoch)

    def _redirect_to_folder(self, request: RequestPath) -> None:
        # Built from the normalised path, so "//evil.example" can never become an off-site redirect.
        location = request.url_path() + "/" + (f"?{request.query}" if request.query else "")
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_not_found(self, state: BuildState, send_body: bool) -> None:
        kind, path = disk.find_served(self.server.app.output_dir, "404.html")
        data = disk.read_served(path) if kind == "file" and path is not None else None
        if data is None:
            data = devpage.plain_page(404, "Not Found", "Nothing is built at this address.")
        self._send(404, data, "text/html; charset=utf-8", send_body, state.epoch)

    def _send_no_output(self, state: BuildState, send_body: bool) -> None:
        if state.problems:
            self._send(500, devpage.error_page(state.problems, state.epoch), "text/html; charset=utf-8", send_body)
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
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            for message in _event_messages(self.server.app.board):
                self.wfile.write(message)
                self.wfile.flush()
        except (OSError, ValueError):  # the tab went away
            return


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
            yield devpage.state_message(state.epoch, state.problems)


def run_server(args: argparse.Namespace, emit: Emit | None = None) -> int:
    """Run ``newsbite serve`` until Ctrl-C (or SIGTERM); return the exit status.

    ``emit`` receives each line meant for the terminal; the command line prints them.
    """
    say: Emit = emit if emit is not None else (lambda line: None)
    site_dir: Path = args.site
    if not site_dir.is_dir():
        raise UsageError(f"site folder {site_dir} does not exist")
    options = ServeOptions(site_dir=site_dir, host=args.host, port=args.port, drafts=args.drafts, future=args.future)
    restore = _stop_on_sigterm()
    try:
        with DevServer(options, say) as server:
            say(f"Building {site_dir} into {server.output_dir} ...")
            server.start()
            say(f"Serving at {server.url}  (watching content/, layouts/ and site.yaml; Ctrl-C to stop)")
            if options.host not in ("127.0.0.1", "localhost", "::1"):
                say(f"Note: listening on {options.host}, so other machines on the network can read this site.")
            if args.open:
                webbrowser.open(server.url)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        restore()
    return 0


def _stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM stop the server like Ctrl-C (so the temp folder is removed); return an undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)
