"""Fixtures for the unit tests of every layer: the fast-path switch turned off for one test."""

from __future__ import annotations

from typing import Iterator

import pytest

from generator.content.fastpaths import SWITCH, fast_paths_on
from generator.content.typography import smarten
from generator.render.markup import markdown_parser


def _forget_the_switch() -> None:
    # The switch is read once per process; the parsers (with or without their memos) and
    # smarten's answers are made once too.
    fast_paths_on.cache_clear()
    smarten.cache_clear()
    markdown_parser.cache_clear()


@pytest.fixture
def reference_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Turn every fast path off (NEWSBITE_REFERENCE=1) for one test."""
    monkeypatch.setenv(SWITCH, "1")
    _forget_the_switch()
    yield
    monkeypatch.undo()  # the switch as it was, before the answers are forgotten
    _forget_the_switch()
