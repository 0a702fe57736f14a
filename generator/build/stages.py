"""Timing the stages of a build: one helper, so every stage is timed the same way (shown under ``-v``)."""

from __future__ import annotations

import logging
import time
from typing import Callable, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class StageTimer:
    """Runs the stages of one build and keeps how long each took, in the order they ran."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def run(self, name: str, stage: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Return ``stage(*args, **kwargs)``, timed as ``name``."""
        mark = time.perf_counter()
        try:
            return stage(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - mark
            self.timings[name] = self.timings.get(name, 0.0) + seconds  # a stage may run in parts ("cache")
            log.debug("stage %s (%s): %.3f s", name, getattr(stage, "__name__", "?"), seconds)

    def elapsed(self) -> float:
        """Return the seconds since the build started."""
        return time.perf_counter() - self.started
