"""Watching a site's sources for the dev server: what a changed path means, and when to rebuild.

``classify`` is pure and maps a path (relative to the site folder) to a ``ChangeKind``. ``SourceWatcher``
feeds watchdog events through it, and ``Rebuilder`` collects bursts of changes (an editor's
save-rename-delete dance, a ``git checkout``) into one rebuild on a single builder thread, so two builds
never run at once and a change made during a build triggers exactly one more (SPEC section 6, issue 3).
A burst whose last event finished a file (closed after writing, or renamed into place) is built
after a shorter quiet than one that may still be writing: a plain save is built almost at once.
"""

from __future__ import annotations

import enum
import logging
import os
import posixpath
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

WATCHED_DIRS = ("content", "layouts")
CONFIG_FILE = "site.yaml"
# Names an editor writes and removes while saving. Every name the build itself skips (files._walk:
# leading '.' or '#', backup and swap suffixes) is ignored here too, so ignoring never hides a change
# the build would see. Vim's "4913" probe file and JetBrains' safe-write copies are transient.
_IGNORED_PREFIXES = (".", "#")
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", "___jb_tmp___", "___jb_old___")
_IGNORED_NAMES = frozenset({"4913"})


class ChangeKind(enum.Enum):
    """What a changed path asks of the build (STYLE.md, "Incremental rebuild, first class")."""

    CONTENT = "content"  # an article or a file beside it in content/
    LAYOUT = "layout"  # a template in layouts/
    STATIC = "static"  # a file in layouts/static/, copied as it is
    CONFIG = "config"  # site.yaml: everything may change
    IGNORED = "ignored"  # editor droppings, hidden files, anything outside the sources


@dataclass(frozen=True, slots=True)
class Change:
    """One changed source path (relative to the site folder, with '/') and what it means."""

    path: str
    kind: ChangeKind


def classify(path: str) -> ChangeKind:
    """Return what a change to ``path`` (relative to the site folder) means for the build."""
    path = path.replace("\\", "/").strip("/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any(_ignored_name(p) for p in parts):
        return ChangeKind.IGNORED
    if parts == [CONFIG_FILE]:
        return ChangeKind.CONFIG
    if parts[0] == "content":
        return ChangeKind.CONTENT
    if parts[0] == "layouts":
        return ChangeKind.STATIC if len(parts) > 1 and parts[1] == "static" else ChangeKind.LAYOUT
    return ChangeKind.IGNORED


def _ignored_name(name: str) -> bool:
    return name.startswith(_IGNORED_PREFIXES) or name.endswith(_IGNORED_SUFFIXES) or name in _IGNORED_NAMES


def relative_source_path(site_dir: str, path: str) -> str:
    """Return ``path`` relative to the site folder with '/', or '..' when it lies outside."""
    rel = os.path.relpath(path, site_dir)
    return rel.replace(os.sep, "/") if not rel.startswith("..") else ".."


def describe(changes: Iterable[Change]) -> str:
    """Return a short human summary of a batch of changes, e.g. 'content/a.md and 2 more files'.

    An editor that saves through a temporary file (``sed -i`` writes content/2020/sedM7ForY, then
    moves it over the article) changes a path without a suffix too: the files the author knows,
    articles first, are named instead.
    """
    paths = sorted({c.path for c in changes}, key=lambda p: (not p.endswith(".md"), p))
    named = [p for p in paths if posixpath.splitext(posixpath.basename(p))[1]]
    paths = named or paths
    if not paths:
        return "nothing"
    more = len(paths) - 1
    return paths[0] if not more else f"{paths[0]} and {more} more file{'s' if more > 1 else ''}"


class Rebuilder:
    """A single builder thread: waits for changes, lets a burst settle, then calls ``build`` once.

    ``quiet`` is how long no new change must arrive before building; ``longest`` bounds the wait while
    changes keep arriving (a long checkout still gets a build, and another for whatever came after).
    """

    def __init__(self, build: Callable[[frozenset[Change]], None], quiet: float = 0.1, longest: float = 2.0,
                 quiet_after_write: float = 0.02) -> None:
        self._build = build
        self._quiet = quiet
        self._quiet_after_write = min(quiet, quiet_after_write)
        self._longest = longest
        self._pending: set[Change] = set()
        self._last_change = 0.0
        self._settle = quiet  # the quiet the last change asks for
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="newsbite-builder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self, changes: Iterable[Change], written: bool = False) -> None:
        """Queue changes (called from the watcher's thread); ignored ones are dropped here.

        ``written`` says the event finished its file (closed after writing, or moved into place),
        so nothing more is expected of it: the burst settles after the shorter quiet.
        """
        wanted = [c for c in changes if c.kind is not ChangeKind.IGNORED]
        if not wanted:
            return
        with self._wake:
            self._pending.update(wanted)
            self._last_change = time.monotonic()
            self._settle = self._quiet_after_write if written else self._quiet
            self._wake.notify_all()

    def close(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._build(batch)
            except Exception:  # the build callback reports its own errors; this keeps the thread alive
                log.exception("rebuild failed unexpectedly")

    def _next_batch(self) -> frozenset[Change] | None:
        with self._wake:
            while not self._pending and not self._closed:
                self._wake.wait()
            first = time.monotonic()
            while not self._closed:
                now = time.monotonic()
                settle = self._last_change + self._settle - now
                cap = first + self._longest - now
                if settle <= 0 or cap <= 0:
                    break
                self._wake.wait(min(settle, cap))
            if self._closed:
                return None
            batch = frozenset(self._pending)
            self._pending.clear()
            return batch


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: SourceWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        # A folder's own "modified" event only echoes a change to a file in it, which arrives as well.
        if event.is_directory and event.event_type == "modified":
            return
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        # A file closed after writing, or renamed into place (the last path named), is finished.
        self._watcher.seen([os.fsdecode(p) for p in paths if p], written=event.event_type in ("closed", "moved"))


class SourceWatcher:
    """Watches site.yaml, content/ and layouts/ and hands classified changes to ``notify``.

    The site folder itself is watched without recursion (for site.yaml, and for content/ or layouts/
    appearing later), so a big public/, .git or virtualenv beside the sources costs nothing.
    """

    def __init__(self, site_dir: Path, notify: Callable[[list[Change], bool], None],
                 observer: BaseObserver | None = None) -> None:
        self._site = os.path.abspath(site_dir)
        self._notify = notify
        self._observer = observer if observer is not None else Observer()
        self._handler = _Handler(self)
        self._watched: dict[str, ObservedWatch] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        # watchdog's inotify backend warns (and then does the right thing) when folders are created
        # in quick succession, as `mkdir -p` does; the warning says nothing an author can act on.
        warnings.filterwarnings("ignore", message="Callback with id .* already exists for watch", category=RuntimeWarning)
        try:
            self._start_observer()
        except OSError as exc:  # inotify's watch or instance limit: polling is slower but sees every change
            log.warning("cannot watch the site for changes (%s); checking for changes every second instead", exc)
            self._observer = PollingObserver(timeout=1.0)
            self._watched.clear()
            self._start_observer()

    def _start_observer(self) -> None:
        self._observer.schedule(self._handler, self._site, recursive=False)
        for name in WATCHED_DIRS:
            folder = posixpath.join(self._site, name)
            if os.path.isdir(folder):
                self._watched[folder] = self._observer.schedule(self._handler, folder, recursive=True)
        self._observer.start()

    def close(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(5.0)

    def seen(self, paths: list[str], written: bool = False) -> None:
        """Classify raw event paths and pass on the ones that matter.

        ``written``: the event finished the file its last path names (the move's destination):
        passed on only when that file is a source, not an editor's backup.
        """
        changes: list[Change] = []
        for raw in paths:
            rel = relative_source_path(self._site, raw)
            if rel in WATCHED_DIRS:
                self._watch_dir(rel)  # content/ or layouts/ created (or replaced) after start
            changes.append(Change(rel, classify(rel)))
        wanted = [c for c in changes if c.kind is not ChangeKind.IGNORED]
        if wanted:
            log.debug("changed: %s", ", ".join(c.path for c in wanted))
            self._notify(wanted, written and changes[-1].kind is not ChangeKind.IGNORED)

    def _watch_dir(self, name: str) -> None:
        folder = posixpath.join(self._site, name)
        with self._lock:
            old = self._watched.pop(folder, None)
            if old is not None and os.path.isdir(folder):
                self._watched[folder] = old
                return
            if old is not None:  # the folder went away; a new one gets a fresh watch when it appears
                try:
                    self._observer.unschedule(old)
                except (KeyError, OSError):
                    pass
                return
            if not os.path.isdir(folder):
                return
            try:
                self._watched[folder] = self._observer.schedule(self._handler, folder, recursive=True)
            except OSError as exc:  # e.g. the inotify watch limit: say so in the log, keep serving
                log.warning("cannot watch %s: %s", folder, exc)
