"""Rebuilds after edits give the bytes of a clean build and write only what changed (issues 3, 5, 10).

One site is built once with a memo, as ``newsbite serve`` does; then a series of edits is applied,
each rebuilt by the one build path (``build_site(options, memo)``). After every step the whole
output tree must equal a build of the same sources from scratch, and exactly the files whose bytes
changed must have been rewritten: for wording edits, structural edits (topics, dates, slugs,
aliases, drafts, new and deleted articles, settings) and a broken file that is fixed again.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from generator.build import reading
from generator.build.cache import BuildMemo
from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.content.paths import CACHE_DIR
from generator.diagnostics import BuildError
from generator.publish import output
from tests.e2e.helpers import file_tree, numbered_briefing

ARTICLES = 60
SITE_YAML = "title: Fast\nbase_url: https://example.org/news/\nper_page: 7\nfeed_size: 10\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "2022").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for n in range(ARTICLES):
        (root / "content" / "2022" / f"a{n:03d}.md").write_text(numbered_briefing(n, varied=True), encoding="utf-8")
    (root / "content" / "2022" / "draft.md").write_text(
        "---\ntitle: Not yet\ndate: 2022-01-02\ndraft: true\ntopics: [Energy]\n---\n\nDraft.\n", encoding="utf-8")
    (root / "content" / "2022" / "map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return root


def options(site: Path, out: Path) -> BuildOptions:
    return BuildOptions(site_dir=site, output_dir=out, search=False, jobs=1)


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(root.rglob("*")) if p.is_file()}


def clean_build(site: Path, scratch: Path) -> tuple[dict[str, bytes], BuildResult]:
    """Return the output of a build of ``site`` from scratch (a copy without its cache, a new output folder)."""
    shutil.rmtree(scratch, ignore_errors=True)
    copy = scratch / "clean-site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(CACHE_DIR, "public"))
    result = build_site(options(copy, scratch / "clean-out"))
    return file_tree(scratch / "clean-out"), result


def clean_tree(site: Path, scratch: Path) -> dict[str, bytes]:
    return clean_build(site, scratch)[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class Session:
    """A site built as the dev server builds it: one memo, kept between builds."""

    def __init__(self, site: Path, tmp_path: Path) -> None:
        self.site, self.out, self.scratch = site, tmp_path / "out", tmp_path / "scratch"
        self.memo = BuildMemo()
        build_site(options(site, self.out), self.memo)

    def rebuild(self) -> BuildResult:
        return build_site(options(self.site, self.out), self.memo)

    def step(self, change: Callable[[Path], None]) -> BuildResult:
        """Apply ``change``, rebuild, and check the output against a clean build (and what was rewritten)."""
        return checked_step(self.site, self.out, self.scratch, change, self.rebuild)


def checked_step(
    site: Path, out: Path, scratch: Path, change: Callable[[Path], None], build: Callable[[], BuildResult],
) -> BuildResult:
    """Apply ``change``, ``build``, and check the output against a clean build (and what was rewritten)."""
    before_bytes, before = file_tree(out), stamps(out)
    change(site)
    result = build()
    after = file_tree(out)
    clean, reference = clean_build(site, scratch)
    assert after == clean
    assert (result.warnings, result.pages, result.topics, result.articles, result.held_back) == (
        reference.warnings, reference.pages, reference.topics, reference.articles, reference.held_back)
    rewritten = {rel for rel, stamp in stamps(out).items() if before.get(rel) != stamp}
    differing = {rel for rel in after if before_bytes.get(rel) != after[rel]} - {output.MANIFEST}
    # Exactly the files whose bytes changed were written (the manifest is written whole each time).
    assert rewritten - {output.MANIFEST} == differing
    assert set(result.written_files) == differing
    assert result.written == len(differing)
    return result


A = "content/2022/a{:03d}.md"


def test_wording_edits_match_a_clean_build_and_write_only_their_pages(site: Path, tmp_path: Path) -> None:
    session = Session(site, tmp_path)
    page = A.format(20)

    result = session.step(lambda s: edit(s / page, 'title: "Briefing 20', 'title: "Renamed briefing 20'))
    written = set(result.written_files)
    assert "2022/01/a020/index.html" in written and "index.html" not in written  # a020 is not on page 1
    assert {"404.html", "robots.txt", "topics/index.html", "sitemap.xml", "feed.xml"}.isdisjoint(written)
    # Its page, the pages listing it (its month's and year's too) or relating to it; not the site.
    assert len(written) < 20

    session.step(lambda s: edit(s / A.format(22), "standfirst: Short standfirst 22", "standfirst: A new standfirst"))
    session.step(lambda s: edit(s / A.format(21), "First paragraph of briefing 21", "A new opening for 21"))
    session.step(lambda s: edit(s / A.format(24), "caption: The first caption", "caption: A better caption"))
    result = session.step(lambda s: edit(s / A.format(25), "source: Wire", "updated: 2022-03-01T10:00:00+00:00\nsource: Wire"))
    assert "sitemap.xml" in result.written_files  # the article's last change moved
    session.step(lambda s: edit(s / A.format(25), "updated: 2022-03-01", "updated: 2022-03-02"))
    # A hero moved to another host, and back (a missing one is an error: tests/e2e/test_pictures.py).
    result = session.step(lambda s: edit(s / A.format(14), "src: map.svg", "src: https://cdn.example/map.svg"))
    assert "2022/01/a014/index.html" in result.written_files
    session.step(lambda s: edit(s / A.format(14), "src: https://cdn.example/map.svg", "src: map.svg"))
    # a041 shares a040's date; a new title that keeps it after a040 keeps the order.
    session.step(lambda s: edit(s / A.format(41), 'title: "Briefing 41', 'title: "Briefing 41b'))


def test_edits_of_several_articles_at_once_and_the_newest_ones(site: Path, tmp_path: Path) -> None:
    session = Session(site, tmp_path)
    newest = A.format(27)  # 2022-01-28: on the home page and in the site feed

    def both(s: Path) -> None:
        edit(s / newest, "More text 27.", "More text 27, and more.")
        edit(s / A.format(26), 'title: "Briefing 26', 'title: "Briefing twenty-six')

    result = session.step(both)
    assert {"index.html", "feed.xml", "rss.xml"} <= set(result.written_files)
    # An editor's temporary file beside the article is no source: the build ignores it.
    (site / "content/2022/.a027.md.swp").write_bytes(b"swap")
    session.step(lambda s: edit(s / newest, "More text 27, and more.", "More text 27."))


# Each change with the source it touches, which names the case.
STRUCTURAL_CHANGES = [
    (lambda s: edit(s / A.format(30), "topics: [", "topics: ['Brand new topic', "), A.format(30)),
    (lambda s: edit(s / A.format(31), "date: 2022-01-04", "date: 2021-12-04"), A.format(31)),
    (lambda s: edit(s / A.format(32), "source: Wire", "slug: elsewhere\nsource: Wire"), A.format(32)),
    (lambda s: edit(s / A.format(33), "source: Wire", "aliases: [/moved/]\nsource: Wire"), A.format(33)),
    (lambda s: edit(s / A.format(34), "source: Wire", "draft: true\nsource: Wire"), A.format(34)),
    # Same date as a041: the new title moves it after a041.
    (lambda s: edit(s / A.format(40), 'title: "Briefing 40', 'title: "Zz briefing 40'), A.format(40)),
    (lambda s: edit(s / "content/2022/draft.md", "Draft.", "Still a draft."), "content/2022/draft.md"),
    (lambda s: (s / "content/2022/new.md").write_text("---\ntitle: New\ndate: 2022-01-09\n---\n\nNew.\n"),
     "content/2022/new.md"),
    (lambda s: (s / A.format(35)).unlink(), A.format(35)),
    (lambda s: (s / "content/2022/map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>"),
     "content/2022/map.svg"),
    (lambda s: edit(s / "site.yaml", "per_page: 7", "per_page: 6"), "site.yaml"),
]


@pytest.mark.parametrize("change", [pytest.param(change, id=source) for change, source in STRUCTURAL_CHANGES])
def test_structural_changes_match_a_clean_build(site: Path, tmp_path: Path, change: Callable[[Path], None]) -> None:
    session = Session(site, tmp_path)
    session.step(change)
    # ... and the next wording edit after it too.
    session.step(lambda s: edit(s / A.format(50), "More text 50.", "More text 50!"))


def test_a_broken_file_fails_and_keeps_the_output_then_its_fix_builds(site: Path, tmp_path: Path) -> None:
    session = Session(site, tmp_path)
    page = A.format(44)
    before = file_tree(session.out)
    edit(site / page, "title: ", "title: [unclosed\n")
    with pytest.raises(BuildError) as failure:
        session.rebuild()
    assert any(d.path == page for d in failure.value.diagnostics)
    assert file_tree(session.out) == before  # the last good output stays
    # The fix arrives with a change to another article: both are applied.
    edit(site / page, "title: [unclosed\n", "title: ")
    edit(site / page, 'title: "Briefing 44', 'title: "Fixed briefing 44')
    session.step(lambda s: edit(s / A.format(45), "More text 45.", "More text 45?"))


def test_a_build_without_the_memo_takes_the_same_path_and_gives_the_same_bytes(site: Path, tmp_path: Path) -> None:
    session = Session(site, tmp_path)
    edit(site / A.format(20), "More text 20.", "More text 20, plain build.")
    result = build_site(options(site, session.out), None)  # the record on disk is another folder's: all new
    assert result.written > 0
    assert file_tree(session.out) == clean_tree(site, session.scratch)


def test_a_rebuild_leaves_a_record_the_next_build_can_trust(site: Path, tmp_path: Path) -> None:
    session = Session(site, tmp_path)
    session.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20, once."))
    # Reverting to the bytes of the first build must not look like "nothing changed since then".
    edit(site / A.format(20), "More text 20, once.", "More text 20.")
    result = build_site(options(site, session.out), session.memo)
    assert result.written > 0
    assert file_tree(session.out) == clean_tree(site, session.scratch)
    assert os.path.isfile(session.out / "2022/01/a020/index.html")


def test_a_settings_change_parses_articles_again_only_for_a_new_time_zone(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from generator.build import sources

    session = Session(site, tmp_path)
    parsed: list[str] = []
    real = sources.parse_article
    monkeypatch.setattr(sources, "parse_article", lambda path, text, config: (parsed.append(path), real(path, text, config))[1])
    edit(site / "site.yaml", "title: Fast", "title: Faster")
    session.rebuild()
    assert parsed == []  # front matter reads no other setting (the dev server's base URL, say)
    edit(site / "site.yaml", "per_page: 7", "per_page: 7\ntimezone: Europe/London")
    session.rebuild()
    assert len(parsed) == ARTICLES + 1  # every Markdown file, the draft too
    assert file_tree(session.out) == clean_tree(site, session.scratch)


class WatchedSession(Session):
    """A site built as the dev server builds it: the memo owns the output folder, and each rebuild
    is told the source paths its watcher saw change."""

    def __init__(self, site: Path, tmp_path: Path) -> None:
        super().__init__(site, tmp_path)
        self.memo.owns_output = True

    def watched_step(self, change: Callable[[Path], None], *paths: str) -> BuildResult:
        watched = dataclasses.replace(options(self.site, self.out), changed=frozenset(paths))
        return checked_step(self.site, self.out, self.scratch, change, lambda: build_site(watched, self.memo))


@pytest.mark.parametrize("change", [pytest.param(change, id=source) for change, source in STRUCTURAL_CHANGES])
def test_watched_structural_changes_match_a_clean_build(site: Path, tmp_path: Path, change: Callable[[Path], None],
                                                        request: pytest.FixtureRequest) -> None:
    session = WatchedSession(site, tmp_path)
    source = request.node.callspec.id
    session.watched_step(change, source)
    session.watched_step(lambda s: edit(s / A.format(50), "More text 50.", "More text 50!"), A.format(50))


def test_watched_edits_look_at_the_named_files_alone_and_match_a_clean_build(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = WatchedSession(site, tmp_path)
    scans: list[Path] = []
    whole_scan = reading.scan_site
    monkeypatch.setattr(reading, "scan_site", lambda site_dir, *args, **kw: scans.append(site_dir) or whole_scan(
        site_dir, *args, **kw))
    result = session.watched_step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20, again."), A.format(20))
    assert len(result.written_files) < 10
    session.watched_step(lambda s: edit(s / A.format(41), 'title: "Briefing 41', 'title: "Briefing 41b'), A.format(41))
    session.watched_step(lambda s: edit(s / A.format(40), 'title: "Briefing 40', 'title: "Briefing 49'), A.format(40))
    session.watched_step(lambda s: edit(s / A.format(14), "src: map.svg", "src: https://cdn.example/map.svg"),
                         A.format(14))
    result = session.watched_step(lambda s: edit(s / A.format(24), "  alt: A map\n", ""), A.format(24))
    assert any("no alt text" in d.message for d in result.warnings)
    session.watched_step(lambda s: (s / "content/2022/b.md").write_text("---\ntitle: B\ndate: 2022-01-09\n---\n\nB.\n"),
                         "content/2022/b.md")
    session.watched_step(lambda s: (s / A.format(7)).unlink(), A.format(7))
    assert site not in scans  # every step above named Markdown files only: no whole scan (clean builds scan)
    session.watched_step(lambda s: (s / "content/2022/map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>"),
                         "content/2022/map.svg")
    assert scans.count(site) == 1


def test_an_unchanged_site_parses_nothing_until_a_held_back_article_falls_due(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    (site / "content/2022/later.md").write_text("---\ntitle: Later\ndate: 2022-03-01T09:00:00+00:00\n---\n\nSoon.\n")
    out = tmp_path / "out"
    at = dt.datetime(2022, 2, 1, tzinfo=dt.timezone.utc)
    first = build_site(dataclasses.replace(options(site, out), now=at))
    assert [h.path for h in first.held_back] == ["content/2022/draft.md", "content/2022/later.md"]
    parsed: list[int] = []
    real_parse = reading.parse_sources
    monkeypatch.setattr(reading, "parse_sources", lambda *a, **k: parsed.append(1) or real_parse(*a, **k))
    again = build_site(dataclasses.replace(options(site, out), now=at + dt.timedelta(days=27)))
    assert (again.written, again.held_back, parsed) == (0, first.held_back, [])
    due = build_site(dataclasses.replace(options(site, out), now=dt.datetime(2022, 3, 1, 9, tzinfo=dt.timezone.utc)))
    assert parsed and [h.path for h in due.held_back] == ["content/2022/draft.md"]
    assert "2022/03/later/index.html" in due.written_files
    assert due.articles == first.articles + 1
