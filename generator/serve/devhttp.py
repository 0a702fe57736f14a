"""The dev server's HTTP side: the shared build state, the listener, and what each request is answered with.

The server serves only files inside the output folder (``urlpaths`` normalises the request path,
``output.find_served`` resolves it), injects ``devpage``'s reload script into HTML, makes a request
wait out a build in flight (MkDocs), and streams the build state to open tabs as Server-Sent Events
(SPEC sections 6 and 7, issue 3). Before the first build has published, a request waits only for
that build's plan, and is answered from it (``build.ondemand``): the same pages, made on request,
while the build writes them all. ``serve`` owns the builds and writes the state; this module reads it.

Connections are held by ``httpwire``'s event loop, on one thread (issue 15: a thread per
connection left a thousand clients waiting seconds for the interpreter lock). A file of the
output folder is answered on that thread at once; a wait for a build or its plan is made on the
loop, without a thread; a page made from a plan, and a big file, come from a few worker threads
so the loop never waits for them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import os
import posixpath
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Protocol, TypeVar

from generator.build.ondemand import NotRendered, PlannedOutput
from generator.diagnostics import Diagnostic, UsageError
from generator.publish import output
from generator.serve import devpage
from generator.serve.httpwire import Answer, HttpServer, Refusal, Reply, Request
from generator.serve.urlpaths import RequestPath, content_type, normalise_request_path

if sys.platform != "win32":
    import resource

log = logging.getLogger(__name__)

WAIT_FOR_BUILD = 10.0  # seconds a request waits out a build in flight before serving what exists
WAIT_FOR_PLAN = 60.0  # seconds a request waits for the first build's plan (a cold start of a big site)
WRITER_FILES = ".newsbite-"
# Seconds between SSE comments. A tab that closes its connection is noticed at once; one that
# vanished without a word (a laptop's lid shut) is noticed when writing to it fails.
HEARTBEAT = 2.0
# Connections waiting to be accepted: a page with its assets in many tabs, or a load test of a
# thousand clients connecting at once, must not be reset (Linux caps it at net.core.somaxconn).
BACKLOG = 4096
OPEN_FILES = 65536  # the soft limit on open files asked for: each connection holds one
# Files up to this size are read on the loop's thread (from the page cache, in microseconds);
# bigger ones (a video in content/) on a worker thread.
INLINE_READ_LIMIT = 1 << 20
WORKER_THREADS = 4  # pages made from a plan render one at a time anyway (``build.ondemand``)

_HTML = "text/html; charset=utf-8"
_EVENTS = "text/event-stream; charset=utf-8"
_T = TypeVar("_T")


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
        self._watchers: list[Callable[[], None]] = []

    def current(self) -> BuildState:
        with self._changed:
            return self._state

    def update(self, **changes: Any) -> BuildState:
        with self._changed:
            self._state = dataclasses.replace(self._state, version=self._state.version + 1, **changes)
            self._changed.notify_all()
            state, watchers = self._state, tuple(self._watchers)
        for changed in watchers:
            changed()
        return state

    def watch(self, changed: Callable[[], None]) -> Callable[[], None]:
        """Call ``changed`` after every update, on the updating thread; return what stops it."""
        with self._changed:
            self._watchers.append(changed)

        def stop() -> None:
            with self._changed:
                if changed in self._watchers:
                    self._watchers.remove(changed)
        return stop

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


class ServedSite(Protocol):
    """What the server needs from the running dev server."""

    board: StateBoard
    output_dir: Path


def bind_server(host: str, port: int, app: ServedSite) -> HttpServer:
    """Return a listening HTTP server; raise UsageError naming a free port when ``port`` is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = _listening_socket(family, host, port)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host!r}: {exc.strerror}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            free = next_free_port(host, port + 1)
            hint = f"try --port {free}" if free else "try --port 0 for any free port"
            raise UsageError(f"port {port} on {host} is already in use; {hint}") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    _allow_many_open_files()
    return HttpServer(sock, _DevSite(app), BACKLOG)


def _listening_socket(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart within TIME_WAIT binds again
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _allow_many_open_files() -> None:
    # The usual soft limit, 1,024, is less than a thousand clients and the files they ask for.
    if sys.platform == "win32":
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):  # a system with a lower ceiling keeps its limit
            log.debug("could not raise the open files limit from %d", soft)


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


class _DevSite:
    """The dev server as ``httpwire`` sees it: the answer to each request, on the loop's thread."""

    def __init__(self, app: ServedSite) -> None:
        self._app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()  # set, and replaced, on every update of the board
        self._stop_watching: Callable[[], None] = lambda: None
        self._workers = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="newsbite-http-work")

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._stop_watching = self._app.board.watch(self._board_updated)

    def close(self) -> None:
        self._stop_watching()
        self._loop = None
        self._workers.shutdown(wait=False, cancel_futures=True)

    def refuse(self, refusal: Refusal) -> Reply:
        title = HTTPStatus(refusal.status).phrase
        return _page(refusal.status, devpage.plain_page(refusal.status, title, refusal.reason), _HTML)

    def answer(self, request: Request) -> Answer:
        target = normalise_request_path(request.target)
        if target is None:
            return _page(400, devpage.plain_page(400, "Bad Request", "That address cannot be served."), _HTML)
        if "/" + target.rel == devpage.EVENTS_PATH:
            if request.method == "HEAD":  # the headers, not a stream that never ends
                return _page(200, b"", _EVENTS)
            return Reply(200, (("Content-Type", _EVENTS), ("Cache-Control", "no-store")), b"retry: 1000\n\n",
                         self._events())
        if "/" + target.rel == devpage.SCRIPT_PATH:
            return _SCRIPT
        state = self._app.board.current()
        if state.building:
            return self._answer_after_build(target, state)
        if not state.has_output:
            return _no_output(state)
        return self._from_output(target, state.epoch)

    def _from_output(self, target: RequestPath, epoch: int) -> Answer:
        try:
            return _file_reply(target, _OutputFolder(self._app.output_dir, INLINE_READ_LIMIT), epoch)
        except _TooBigForTheLoop:
            return self._on_worker(_file_reply, target, _OutputFolder(self._app.output_dir, None), epoch)

    async def _answer_after_build(self, target: RequestPath, state: BuildState) -> Reply:
        if not state.has_output:
            state = await self._state_when(lambda now: now.planned is not None or not now.building, WAIT_FOR_PLAN)
            if state.planned is not None and not state.has_output:
                try:
                    return await self._on_worker(_file_reply, target, _Planned(state.planned), state.epoch + 1)
                except NotRendered:  # a template failed, or the build just ended: its outcome answers
                    state = self._app.board.current()
        if state.building:  # MkDocs: a request waits out a build in flight
            state = await self._state_when(lambda now: not now.building, WAIT_FOR_BUILD)
        if not state.has_output:
            return _no_output(state)
        answer = self._from_output(target, state.epoch)
        return answer if isinstance(answer, Reply) else await answer

    async def _events(self) -> AsyncIterator[bytes]:
        """Yield SSE messages: the state now, then each settled change, with heartbeats in between."""
        seen, last = -1, None
        while True:
            state = await self._state_when(_newer_than(seen), HEARTBEAT)
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

    async def _state_when(self, ready: Callable[[BuildState], bool], timeout: float) -> BuildState:
        """Return the board's state once ``ready`` holds for it, the server closes, or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self._app.board.current()
            left = deadline - loop.time()
            if ready(state) or state.closed or left <= 0:
                return state
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    def _board_updated(self) -> None:
        # Called on the thread that updated the board (the builder's): wake the loop's waiters.
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._wake_waiters)
            except RuntimeError:  # the loop has closed: nobody waits any more
                pass

    def _wake_waiters(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _on_worker(self, work: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
        return asyncio.get_running_loop().run_in_executor(self._workers, work, *args)


def _newer_than(version: int) -> Callable[[BuildState], bool]:
    return lambda state: state.version != version


def _page(status: int, data: bytes, ctype: str, epoch: int | None = None) -> Reply:
    """Return an answer with a body; HTML gets the reload script when it is a page of a build ``epoch``."""
    if epoch is not None and ctype.startswith("text/html"):
        data = devpage.inject_reload_script(data, epoch)
    return Reply(status, (("Content-Type", ctype), ("Cache-Control", "no-store"),
                          ("X-Content-Type-Options", "nosniff")), data)


_SCRIPT = _page(200, devpage.RELOAD_SCRIPT.encode("utf-8"), "text/javascript; charset=utf-8")


def _no_output(state: BuildState) -> Reply:
    if state.problems:
        return _page(500, devpage.error_page(state.problems, state.epoch, state.excerpts), _HTML)
    page = devpage.plain_page(503, "Building", "The first build is still running; this page reloads when it is done.")
    return _page(503, devpage.inject_reload_script(page, state.epoch), _HTML)


def _file_reply(request: RequestPath, files: _Files, epoch: int) -> Reply:
    """Return the answer for a path from ``files``: the file, a folder's index.html, a redirect or the 404 page."""
    rel = request.rel
    if any(part.startswith(WRITER_FILES) for part in rel.split("/")):
        return _not_found(files, epoch)  # the writer's manifest and staging folder are not part of the site
    if request.slash:  # a folder's index.html; a file asked for as a folder (/style.css/) is not found
        found = files.read(f"{rel}/index.html".lstrip("/"))
    else:
        found = files.read(rel)
        if found is None and files.find(rel) == "dir":
            # Built from the normalised path, so "//evil.example" can never become an off-site redirect.
            location = request.url_path() + "/" + (f"?{request.query}" if request.query else "")
            return Reply(301, (("Location", location), ("Cache-Control", "no-store")))
    if found is None:
        return _not_found(files, epoch)
    data, name = found
    return _page(200, data, content_type(name), epoch)


def _not_found(files: _Files, epoch: int) -> Reply:
    page = files.read("404.html")
    data = page[0] if page is not None else devpage.plain_page(404, "Not Found", "Nothing is built at this address.")
    return _page(404, data, _HTML, epoch)


class _Files(Protocol):
    """Where the served files come from: the output folder, or the plan of the build in flight."""

    def find(self, rel: str) -> str:
        """Return "file", "dir" or "missing" for a normalised path."""
        ...

    def read(self, rel: str) -> tuple[bytes, str] | None:
        """Return a file's bytes and the name its type is told by, or None when there is no such file."""
        ...


class _TooBigForTheLoop(Exception):
    """The file asked for is to be read on a worker thread."""


class _OutputFolder:
    """The files the last build published."""

    def __init__(self, out_dir: Path, size_limit: int | None) -> None:
        self._out_dir = out_dir
        self._size_limit = size_limit

    def find(self, rel: str) -> str:
        return output.find_served(self._out_dir, rel)[0]

    def read(self, rel: str) -> tuple[bytes, str] | None:
        kind, path = output.find_served(self._out_dir, rel)
        if kind != "file" or path is None:
            return None
        try:
            with open(path, "rb") as file:
                if self._size_limit is not None and os.fstat(file.fileno()).st_size > self._size_limit:
                    raise _TooBigForTheLoop(rel)
                return file.read(), path.name
        except OSError:  # the file vanished or cannot be read meanwhile
            return None


class _Planned:
    """The files the build in flight plans, made on request (raises ``NotRendered`` when one cannot be)."""

    def __init__(self, planned: PlannedOutput) -> None:
        self._planned = planned

    def find(self, rel: str) -> str:
        return self._planned.find(rel)

    def read(self, rel: str) -> tuple[bytes, str] | None:
        data = self._planned.read(rel)
        return None if data is None else (data, posixpath.basename(rel))
