"""Corrections and updates in front matter (SPEC section 11): parsed, ordered, and refused with their line."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.content.articles import parse_article
from generator.content.config import SiteConfig

PATH = "content/a.md"
CONFIG = SiteConfig(timezone="Australia/Sydney")


def parse(front: str) -> tuple[object, list[str]]:
    article, diagnostics = parse_article(PATH, f"---\ntitle: T\ndate: 2022-01-09\n{front}---\n\nBody.\n", CONFIG)
    return article, [f"{d.path}:{d.line}: {d.message}" for d in diagnostics]


def test_corrections_and_updates_are_read_oldest_first_with_dates_in_the_site_timezone() -> None:
    article, problems = parse(
        "corrections:\n  - date: 2022-01-12T09:00:00\n    text: Second  *fix*\n"
        "  - {date: 2022-01-10, text: First fix}\nupdates:\n  - date: 2022-01-11T08:00:00+00:00\n    text: More news\n")
    assert problems == []
    assert [(n.text, n.line) for n in article.corrections] == [("First fix", 7), ("Second *fix*", 5)]  # type: ignore[attr-defined]
    first = article.corrections[0]  # type: ignore[attr-defined]
    assert first.date_only and first.date == dt.datetime(2022, 1, 10, tzinfo=CONFIG.tz)
    assert article.corrections[1].date.utcoffset() == dt.timedelta(hours=11)  # type: ignore[attr-defined]
    assert [n.text for n in article.updates] == ["More news"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("front", "expected"), [
    ("corrections:\n  - date: 2022-01-10\n", f"{PATH}:5: correction 1 has no 'text'"),
    ("corrections:\n  - date: 2022-01-10\n    text: '   '\n", f"{PATH}:6: correction 1 has no 'text'"),
    ("corrections:\n  - text: Fixed\n", f"{PATH}:5: correction 1 has no valid 'date' (use 2022-01-09 or 2022-01-09T18:30:00+11:00)"),
    ("updates:\n  - {date: 2022-01-10, text: ok}\n  - date: soon\n    text: Later\n",
     f"{PATH}:6: update 2 has no valid 'date' (use 2022-01-09 or 2022-01-09T18:30:00+11:00)"),
    ("updates:\n  - just text\n", f"{PATH}:4: update 1 must be a mapping with 'date' and 'text'"),
    ("corrections: Fixed a typo\n", f"{PATH}:4: 'corrections' must be a list of entries, each with 'date' and 'text'"),
    ("corrections:\n  - date: 2022-01-10\n    text: [a, b]\n", f"{PATH}:6: correction 1 has no 'text'"),
])
def test_an_entry_without_a_valid_date_or_text_is_an_error_naming_its_line(front: str, expected: str) -> None:
    article, problems = parse(front)
    assert article is None
    assert expected in problems


def test_no_corrections_means_empty_tuples() -> None:
    article, problems = parse("corrections:\nupdates: []\n")
    assert problems == []
    assert article.corrections == () and article.updates == ()  # type: ignore[attr-defined]
