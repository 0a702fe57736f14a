"""Fixtures for the content layer's tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from generator.content.fastpaths import SWITCH, fast_paths_on
from generator.content.typography import smarten


def _forget_the_switch() -> None:
    # The switch is read once per process, and smarten remembers its answers.
    fast_paths_on.cache_clear()
    smarten.cache_clear()


@pytest.fixture
def reference_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Turn every fast path off (NEWSBITE_REFERENCE=1) for one test."""
    monkeypatch.setenv(SWITCH, "1")
    _forget_the_switch()
    yield
    monkeypatch.undo()  # the switch as it was, before the answers are forgotten
    _forget_the_switch()
