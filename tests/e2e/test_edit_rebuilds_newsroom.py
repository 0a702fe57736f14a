"""Edits to authors, sources, dates, corrections and profiles give the bytes of a clean build (SPEC sections 10, 11).

Each change is applied to a built site and rebuilt by the one build path, both as ``newsbite serve``
does (one memo kept between builds) and as successive runs of ``newsbite build`` do (only the site's
cache between them); after every step the whole output must equal a build from scratch, and exactly
the files whose bytes changed must have been written (``checked_step``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from generator.build.cache import BuildMemo
from generator.build.site import BuildResult, build_site
from tests.e2e.test_edit_rebuilds import checked_step, edit, options

AUTHORS = ["Ann Lee", "Bo Chen", "Zoë Ruiz", None]
SOURCES = ["Wire", "Daily Post", None]
SITE_YAML = ("title: Desk\nbase_url: https://example.org/news/\nper_page: 4\nfeed_size: 5\n"
             "authors:\n  Ann Lee:\n    bio: Ann writes on *trade*.\n    url: https://ann.example/\n")
N = "content/n{:02d}.md"


def briefing(n: int) -> str:
    """Article ``n``: spread over December 2021 to February 2022, an author and a source most of the time."""
    month, day = [(12, 1 + n), (1, n), (2, n)][n % 3] if n else (1, 1)
    year = 2021 if month == 12 else 2022
    author, source = AUTHORS[n % len(AUTHORS)], SOURCES[n % len(SOURCES)]
    return (f"---\ntitle: Briefing {n}\ndate: {year}-{month:02d}-{day:02d}T{n % 24:02d}:15:00+00:00\n"
            f"topics: [T{n % 4}]\n" + (f"author: {author}\n" if author else "") + (f"source: {source}\n" if source else "")
            + f"---\n\nText of briefing {n}.\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for n in range(24):
        (root / N.format(n)).write_text(briefing(n), encoding="utf-8")
    return root


def rename_everywhere(site: Path, old: str, new: str) -> None:
    for path in sorted((site / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")


CHANGES: list[tuple[str, Callable[[Path], None]]] = [
    ("author-added", lambda s: edit(s / N.format(3), "source: Wire", "author: New Person\nsource: Wire")),
    ("second-author-added", lambda s: edit(s / N.format(1), "author: Bo Chen", "author: [Bo Chen, Ann Lee]")),
    ("author-renamed-in-one", lambda s: edit(s / N.format(5), "author: Bo Chen", "author: Bo Chan")),
    ("author-renamed-everywhere", lambda s: rename_everywhere(s, "author: Zoë Ruiz", "author: Zoe Ruiz")),
    ("author-removed", lambda s: edit(s / N.format(4), "author: Ann Lee\n", "")),
    ("last-article-of-an-author-loses-them", lambda s: rename_everywhere(s, "author: Bo Chen\n", "")),
    ("source-added", lambda s: edit(s / N.format(2), "author: Zoë Ruiz\n", "author: Zoë Ruiz\nsource: Agency\n")),
    ("source-renamed", lambda s: rename_everywhere(s, "source: Daily Post", "source: The Daily Post")),
    ("source-removed", lambda s: edit(s / N.format(3), "source: Wire\n", "")),
    ("moved-to-another-month", lambda s: edit(s / N.format(4), "date: 2022-01-04", "date: 2022-02-27")),
    ("moved-to-another-year", lambda s: edit(s / N.format(2), "date: 2022-02-02", "date: 2023-03-02")),
    ("correction-added", lambda s: edit(s / N.format(7), "---\n\n", "corrections:\n  - date: 2022-03-01\n"
                                        "    text: An earlier version got the *name* wrong.\n---\n\n")),
    ("update-added", lambda s: edit(s / N.format(8), "---\n\n", "updates:\n  - {date: 2022-03-02, text: More.}\n---\n\n")),
    ("profile-edited", lambda s: edit(s / "site.yaml", "Ann writes on *trade*.", "Ann writes on **trade** and tariffs.")),
    ("profile-added", lambda s: edit(s / "site.yaml", "authors:\n", "authors:\n  Bo Chen:\n    links: [https://bo.example/]\n")),
    ("profile-removed", lambda s: edit(s / "site.yaml", "  Ann Lee:\n    bio: Ann writes on *trade*.\n"
                                       "    url: https://ann.example/\n", "")),
]


class Rebuilds:
    """A site built once, then again after each change: with one memo (``serve``) or none (``build``)."""

    def __init__(self, site: Path, tmp_path: Path, memo: BuildMemo | None) -> None:
        self.site, self.out, self.scratch, self.memo = site, tmp_path / "out", tmp_path / "scratch", memo
        build_site(options(site, self.out), memo)

    def step(self, change: Callable[[Path], None]) -> BuildResult:
        return checked_step(self.site, self.out, self.scratch, change,
                            lambda: build_site(options(self.site, self.out), self.memo))


# Separate runs of `newsbite build` (no memo) for one change of each kind.
ACROSS_RUNS = {"author-added", "author-renamed-everywhere", "source-removed", "moved-to-another-month",
               "correction-added", "profile-edited"}


@pytest.mark.parametrize(("change", "memo"), [pytest.param(change, True, id=f"{name}-serve") for name, change in CHANGES]
                         + [pytest.param(change, False, id=f"{name}-build") for name, change in CHANGES
                            if name in ACROSS_RUNS])
def test_newsroom_changes_match_a_clean_build(site: Path, tmp_path: Path, change: Callable[[Path], None],
                                              memo: bool) -> None:
    rebuilds = Rebuilds(site, tmp_path, BuildMemo() if memo else None)
    rebuilds.step(change)
    # ... and the next wording edit after it too.
    rebuilds.step(lambda s: edit(s / N.format(9), "Text of briefing 9.", "New text of briefing 9."))


def test_a_new_author_gets_pages_and_a_removed_one_loses_them(site: Path, tmp_path: Path) -> None:
    rebuilds = Rebuilds(site, tmp_path, BuildMemo())
    result = rebuilds.step(lambda s: edit(s / N.format(3), "source: Wire", "author: New Person\nsource: Wire"))
    assert {"authors/new-person/index.html", "authors/new-person/feed.xml", "authors/index.html"} <= set(
        result.written_files)
    rebuilds.step(lambda s: edit(s / N.format(3), "author: New Person\n", ""))
    assert not (rebuilds.out / "authors/new-person").exists()


def rendered_pages(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """Return how many pages the first build since ``caplog`` was cleared rendered, of how many it planned
    (its debug log; ``checked_step`` builds again from scratch after it)."""
    line = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rendering ")][0]
    rendered, _of, planned, _pages = line.removeprefix("rendering ").split()
    return int(rendered), int(planned)


@pytest.mark.parametrize("memo", [True, False], ids=["serve", "build"])
def test_an_author_change_renders_the_pages_showing_the_article_not_the_site(
        site: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, memo: bool) -> None:
    for n in range(24, 80):  # enough briefings that most pages show neither the article nor its authors
        like = 1 + n % 27  # a day every month has
        (site / N.format(n)).write_text(briefing(like).replace(f"Briefing {like}\n", f"Extra {n}\n"),
                                        encoding="utf-8")
    rebuilds = Rebuilds(site, tmp_path, BuildMemo() if memo else None)
    caplog.set_level("DEBUG", logger="generator.build.pages")
    caplog.clear()
    result = rebuilds.step(lambda s: edit(s / N.format(5), "author: Bo Chen", "author: Bo Chan"))
    rendered, planned = rendered_pages(caplog)
    # Its page, the list pages and feeds that show it or whose lists shift (Bo Chen's, Bo Chan's),
    # the pages relating to it, the authors' index: not the other briefings' pages.
    assert "authors/bo-chan/index.html" in result.written_files
    assert 0 < rendered < planned // 3, (rendered, planned)
    # A new briefing renders what lists it, and the lists after it: not every article page.
    caplog.clear()
    rebuilds.step(lambda s: (s / "content/new.md").write_text(briefing(9).replace("Briefing 9\n", "New one\n"),
                                                               encoding="utf-8"))
    rendered, planned = rendered_pages(caplog)
    assert 0 < rendered < planned // 2, (rendered, planned)


def test_a_correction_rewrites_its_page_and_feeds_but_not_other_months(site: Path, tmp_path: Path) -> None:
    rebuilds = Rebuilds(site, tmp_path, BuildMemo())
    result = rebuilds.step(lambda s: edit(s / N.format(7), "---\n\n", "corrections:\n  - date: 2022-03-01\n"
                                          "    text: Fixed.\n---\n\n"))
    written = set(result.written_files)
    assert "2022/01/n07/index.html" in written and "sitemap.xml" in written
    assert "2021/12/index.html" not in written and "2022/02/index.html" not in written
