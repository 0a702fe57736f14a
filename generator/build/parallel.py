"""Spreading a build stage over worker processes (issue 5: `--jobs`, default one per core).

Workers are forked *after* the data they need exists, so they inherit it (the parsed site, the
Jinja environment with its compiled templates) instead of receiving it pickled; only index
ranges go out and small results come back. Each worker therefore compiles a template at most
once however many pages it renders. Work functions must return their errors as values: an
exception crossing the process boundary loses its diagnostics.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import signal
import sys
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)

R = TypeVar("R")
Work = Callable[[Any, int, int], list[R]]
# Told (items done, items in all) as spans finish, for a progress bar on long builds.
Progress = Callable[[int, int], None]

# The stage being run, set just before the workers fork so that they inherit it.
_current: tuple[Work[Any], Any] | None = None


def default_jobs() -> int:
    """Return the number of workers to use when none is asked for: the usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def forks(jobs: int, count: int, min_parallel: int = 64) -> bool:
    """Return whether ``run_spans`` with these numbers runs its work in worker processes."""
    return jobs > 1 and count >= min_parallel and "fork" in multiprocessing.get_all_start_methods()


def run_spans(
    work: Work[R], shared: Any, count: int, jobs: int, min_parallel: int = 64,
    meanwhile: Callable[[], None] | None = None, progress: Progress | None = None, heavy_last: bool = False,
) -> list[R]:
    """Return ``work(shared, start, stop)`` for spans covering ``range(count)``, concatenated in order.

    Runs in this process when one job is asked for or the work is too small to be worth a fork.
    ``meanwhile`` runs here while the workers work (or after, when there are none); ``progress``
    hears how many items are done each time a span finishes. ``heavy_last`` says the last items
    cost the most: the workers then take the spans from the end, so that the stage does not end
    with one worker finishing a costly span while the others wait.
    """
    size = max(8, min(256, count // (max(jobs, 1) * 8) or 1))
    spans = [(start, min(start + size, count)) for start in range(0, count, size)]
    if not forks(jobs, count, min_parallel):
        results: list[R] = []
        for start, stop in spans if progress is not None else [(0, count)]:
            results.extend(work(shared, start, stop))
            if progress is not None:
                progress(stop, count)
        if meanwhile is not None:
            meanwhile()
        return results
    global _current
    _current = (work, shared)
    # Objects that exist now are never garbage: frozen, the workers' collector leaves them
    # untouched, so their memory stays shared with this process instead of being copied.
    gc.freeze()
    try:
        log.debug("%s: %d items in %d spans over %d workers", getattr(work, "__name__", "work"), count, len(spans),
                  min(jobs, len(spans)))
        with multiprocessing.get_context("fork").Pool(min(jobs, len(spans)), initializer=end_with_parent,
                                                      initargs=(os.getpid(),)) as pool:
            order = spans[::-1] if heavy_last else spans
            pending = pool.imap(_run_span, order, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            parts = []
            done = 0
            for (start, stop), part in zip(order, pending):
                parts.append(part)
                done += stop - start
                if progress is not None:
                    progress(done, count)
            if heavy_last:
                parts.reverse()
    finally:
        _current = None
        gc.unfreeze()
    return [item for part in parts for item in part]


# prctl's option that asks the kernel to send this process a signal when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1


def end_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does, however it ends (``kill -9`` included).

    A pool's workers end when the pool is closed; a build killed before it closes them would leave
    them running. On Linux the kernel kills them with the parent (PR_SET_PDEATHSIG); elsewhere
    they end when they next ask for work and find the pool gone.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no C library to ask: the pool's own ending has to do
            log.debug("workers cannot be tied to the build's process")
    if os.getppid() != parent:  # the parent ended before the request above took effect
        os._exit(1)


def _run_span(span: tuple[int, int]) -> list[Any]:
    assert _current is not None, "worker started without a stage"
    work, shared = _current
    return work(shared, *span)
