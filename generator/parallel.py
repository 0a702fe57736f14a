"""Spreading a build stage over worker processes (issue 5: `--jobs`, default one per core).

Workers are forked *after* the data they need exists, so they inherit it (the parsed site, the
Jinja environment with its compiled templates) instead of receiving it pickled; only index
ranges go out and small results come back. Each worker therefore compiles a template at most
once however many pages it renders. Work functions must return their errors as values: an
exception crossing the process boundary loses its diagnostics.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any, Callable, TypeVar

R = TypeVar("R")
Work = Callable[[Any, int, int], list[R]]

# The stage being run, set just before the workers fork so that they inherit it.
_current: tuple[Work[Any], Any] | None = None


def default_jobs() -> int:
    """Return the number of workers to use when none is asked for: the usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_spans(
    work: Work[R], shared: Any, count: int, jobs: int, min_parallel: int = 64,
    meanwhile: Callable[[], None] | None = None,
) -> list[R]:
    """Return ``work(shared, start, stop)`` for spans covering ``range(count)``, concatenated in order.

    Runs in this process when one job is asked for or the work is too small to be worth a fork.
    ``meanwhile`` runs here while the workers work (or after, when there are none).
    """
    if jobs <= 1 or count < min_parallel or "fork" not in multiprocessing.get_all_start_methods():
        results = work(shared, 0, count)
        if meanwhile is not None:
            meanwhile()
        return results
    global _current
    size = max(8, min(256, count // (jobs * 8) or 1))
    spans = [(start, min(start + size, count)) for start in range(0, count, size)]
    _current = (work, shared)
    # Objects that exist now are never garbage: frozen, the workers' collector leaves them
    # untouched, so their memory stays shared with this process instead of being copied.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(spans))) as pool:
            pending = pool.map_async(_run_span, spans, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            parts = pending.get()
    finally:
        _current = None
        gc.unfreeze()
    return [item for part in parts for item in part]


def _run_span(span: tuple[int, int]) -> list[Any]:
    assert _current is not None, "worker started without a stage"
    work, shared = _current
    return work(shared, *span)
