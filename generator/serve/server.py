"""``newsbite serve``: build, serve the output over HTTP, rebuild on change and reload open tabs.

Where it writes: a private folder under the system temp folder (``newsbite-serve-*``), made at start
and removed on exit, as ``mkdocs serve`` does. The dev build uses the server's own address as its
base URL and injects a reload script, so it must never be mistaken for (or overwrite) the real build
in ``public/``; and the build writes only the files whose bytes
changed, so a rebuild touches only what an edit affected. A server killed with SIGKILL leaves that
folder behind for the system's temp cleaning. Search works as in ``newsbite build``: the index is
in parts (issue 11), so a save re-indexes only the part holding the edited article, well within the
2 s SPEC section 12 allows.

The pieces: ``watcher`` turns filesystem events into classified changes and runs one rebuild per burst
on a single builder thread; this module runs each build and posts its outcome on the ``StateBoard``
(an epoch that bumps when output changed, and the current problems); ``devhttp`` serves only files
inside the output folder, injects ``devpage``'s reload script into HTML, and streams the state to
open tabs as Server-Sent Events. A failed build keeps the last good output served while tabs show an overlay
with each problem's file, line and message (SPEC sections 6 and 7, issue 3).

The server answers from the start: until a build has published, each build hands its plan over
(``BuildOptions.on_plan``) and pages are made from it on request (``build.ondemand``), while that
build goes on writing every page in the background, so a big site is browsable seconds after
``newsbite serve`` starts rather than once all of it is written.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from generator.build.artifacts import CopiedFile
from generator.build.cache import BuildMemo
from generator.build.ondemand import PlannedOutput
from generator.build.pages import PageJob
from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.content import files
from generator.diagnostics import BuildError, Diagnostic, UsageError, error
from generator.publish import output
from generator.serve import devpage
from generator.serve.devhttp import StateBoard, bind_server
from generator.serve.watcher import (
    Change,
    ChangeKind,
    Rebuilder,
    SourceWatcher,
    describe,
)

log = logging.getLogger(__name__)

Emit = Callable[[str], None]
EXCERPT_LIMIT = 10  # problems shown with their source lines; the rest by file, line and message
# Rebuilds of a site with at least this many pages use worker processes. Forking from the server,
# which holds the whole site in memory, costs one to three hundred milliseconds: more than workers
# save when 1,300 pages render again (a title edit on 1,000 articles), far less than they save
# when 12,358 do (10,000 articles: about 3.9 s in this process, 2.3 s over two cores).
WORKERS_FROM_PAGES = 3000


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``newsbite serve`` was asked for."""

    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    future: bool = False
    quiet: float = 0.1  # seconds without events before a burst of changes is built
    # The same, when the last event finished its file (closed after writing, or moved into place).
    quiet_after_write: float = 0.02


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
        self.output_dir = output.make_serve_dir()
        self._build_options = BuildOptions(
            site_dir=options.site_dir, output_dir=self.output_dir, base_url=self.url,
            drafts=options.drafts, future=options.future, on_plan=self._planned,
            search_after_pages=True,  # a saved page shows before its search part is indexed again
        )
        # Parsed articles, bodies and written-file records kept between rebuilds; the output folder is
        # private, so its files are as the records say.
        self._memo = BuildMemo(owns_output=True)
        self._warned: set[Diagnostic] = set()
        self._pages = 0  # pages the last good build planned
        self._plan: PlannedOutput | None = None  # the plan of the build in flight, while nothing is published
        self._rebuilder = Rebuilder(self._rebuild, quiet=options.quiet, quiet_after_write=options.quiet_after_write)
        self._watcher = SourceWatcher(options.site_dir, self._rebuilder.notify)
        self._http_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                             name="newsbite-http", daemon=True)

    def start(self) -> None:
        """Serve, watch, build the whole site, then rebuild on every change (``listen`` then ``build_first``)."""
        self.listen()
        self.build_first()

    def listen(self) -> None:
        """Answer requests from now on: they wait for the first build's plan, then pages are made from it."""
        self.board.update(building=True)
        self._http_thread.start()
        self._watcher.start()  # before the first build, so an edit made during it is not lost

    def build_first(self) -> None:
        """Build the whole site in this thread, then hand rebuilds to the builder thread."""
        self._rebuild(frozenset({Change("site.yaml", ChangeKind.CONFIG)}), first=True)
        self._rebuilder.start()

    def close(self) -> None:
        """Stop everything and remove the private output folder."""
        planned = self.board.current().planned
        self.board.update(closed=True, building=False, planned=None)
        if planned is not None:
            planned.close()
        self._watcher.close()
        self._rebuilder.close()
        if self._http_thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        output.remove_serve_dir(self.output_dir)

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _planned(self, job: PageJob, copies: Mapping[str, CopiedFile]) -> None:
        """Called by the build, on the thread that runs it, once its pages are planned."""
        if not self.board.current().has_output:  # else the last good output is served meanwhile
            self._plan = PlannedOutput(job, copies)
            self.board.update(planned=self._plan)

    def _rebuild(self, changes: frozenset[Change], first: bool = False) -> None:
        """Build once and publish the outcome; any failure becomes problems shown in the browser."""
        self.board.update(building=True)
        try:
            self._build_and_report(changes, first)
        finally:
            # The build is over, however it ended: its plan goes (a request holding it then reads the board again).
            plan, self._plan = self._plan, None
            if plan is not None:
                if self.board.current().planned is plan:  # ended by an interrupt, before its outcome was posted
                    self.board.update(planned=None)
                plan.close()

    def _build_and_report(self, changes: frozenset[Change], first: bool) -> None:
        started = time.perf_counter()
        what = "Initial build" if first else f"{describe(changes)} changed"
        try:
            result = self._run_build(first, frozenset(change.path for change in changes))
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
        # The first output always counts as a change: pages made from its plan carry its epoch.
        changed = result.written + result.removed > 0 or not state.has_output
        self.board.update(building=False, problems=(), excerpts=(), has_output=True, planned=None,
                          epoch=state.epoch + (1 if changed else 0))
        self._emit(_summary(what, result, time.perf_counter() - started))
        # Each warning once, when it first appears, rather than again after every save.
        for warning in result.warnings:
            if warning not in self._warned:
                self._emit(f"  {warning}")
        self._warned = set(result.warnings)

    def _run_build(self, first: bool, changed: frozenset[str]) -> BuildResult:
        # The one place a rebuild happens: the same build path as ``newsbite build``, with the memo
        # in memory. What an edit changed is found by fingerprints; the watcher's paths only spare
        # the scan a look at every other file (``files.rescan``).
        # The first build, and rebuilds of a large site, use workers as any build does (each stage
        # still stays in this process below its own threshold, so an edit to one article's wording
        # renders its few pages here); a small site's rebuilds run in this process.
        options = replace(self._build_options, changed=None if first else changed)
        if first or self._pages >= WORKERS_FROM_PAGES:
            result = build_site(options, self._memo)
        else:
            result = build_site(replace(options, jobs=1), self._memo)
        self._pages = result.pages
        return result

    def _failed(self, what: str, problems: tuple[Diagnostic, ...]) -> None:
        state = self.board.current()
        # Without output, pages made from this build's plan carry the epoch after it: a tab showing
        # one must reload once a build succeeds, not take the next build's epoch for its own.
        self.board.update(building=False, problems=problems, excerpts=self._excerpts(problems), planned=None,
                          epoch=state.epoch + (0 if state.has_output else 1))
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        kept = "still serving the last good build" if self.board.current().has_output else "nothing to serve yet"
        self._emit(f"{_clock()} {what}: build failed, {count} ({kept}):")
        for problem in problems:
            self._emit(f"  {problem}")

    def _excerpts(self, problems: tuple[Diagnostic, ...]) -> tuple[devpage.Excerpt, ...]:
        """Return the source lines around each of the first problems, read from files in the site only."""
        site = self.options.site_dir.resolve()
        found: list[devpage.Excerpt] = []
        for problem in problems[:EXCERPT_LIMIT]:
            path = (site / problem.path).resolve()
            try:
                text = files.read_text(path) if path.is_relative_to(site) and path.is_file() else ""
            except (OSError, UnicodeDecodeError):
                text = ""
            found.append(devpage.source_excerpt(text, problem.line) if text else ())
        return tuple(found)


def _summary(what: str, result: BuildResult, seconds: float) -> str:
    reindexed = "" if not result.reindexed else f", {result.reindexed:,} re-indexed for search"
    return (f"{_clock()} {what}: {result.pages:,} pages{reindexed}, {result.written:,} written, "
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
            say(f"Building {site_dir.resolve()} into {server.output_dir} ...")
            server.listen()
            say(f"Serving at {server.url}  (watching content/, layouts/ and site.yaml; Ctrl-C to stop)")
            if options.host not in ("127.0.0.1", "localhost", "::1"):
                say(f"Note: listening on {options.host}, so other machines on the network can read this site.")
            if args.open:
                webbrowser.open(server.url)
            server.build_first()
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

    owner = os.getpid()

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != owner:  # a child forked before the reset below took effect: end it the default way
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    _HANDLERS.add(stop)

    def restore() -> None:
        _HANDLERS.discard(stop)
        signal.signal(signal.SIGTERM, previous)

    return restore


# SIGTERM handlers of ours in force. A build worker forked from the server must end on SIGTERM at
# once, as the worker pool's shutdown expects: a Python handler only runs when the worker next
# executes Python code, and a worker waiting in the pool's queue lock when the signal comes may
# never do so (the pool, and so the build, would wait for it for ever).
_HANDLERS: set[Callable[[int, object], None]] = set()


def _default_sigterm_in_child() -> None:
    if signal.getsignal(signal.SIGTERM) in _HANDLERS:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_default_sigterm_in_child)
