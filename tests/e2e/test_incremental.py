"""Incremental builds give the same bytes as clean builds (issue 5, STYLE "Incremental rebuild").

Every test builds a site, changes one kind of input, rebuilds with the cache and the previous
output in place, and compares the whole output tree with a build of the changed site from
scratch (no cache, empty output folder). The site has enough articles that the parallel paths
(forked workers) run too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from generator.build.cache import BuildMemo
from generator.build.sourcestore import load_scan
from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.content import files
from generator.content.paths import CACHE_DIR, SitePaths
from generator.diagnostics import BuildError
from generator.publish import output
from generator.content.paths import DEFAULT_LAYOUTS
from tests.e2e.helpers import file_tree, numbered_briefing

ARTICLES = 80
@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "2022").mkdir(parents=True)
    (root / "site.yaml").write_text("title: Incremental\nbase_url: https://example.org/news/\nper_page: 7\n")
    for n in range(ARTICLES):
        (root / "content" / "2022" / f"a{n:03d}.md").write_text(numbered_briefing(n), encoding="utf-8")
    (root / "content" / "2022" / "map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "layouts" / "static" / "css").mkdir(parents=True)
    (root / "layouts" / "static" / "css" / "extra.css").write_text("body { color: black; }\n")
    return root


def build(site: Path, out: Path, jobs: int = 2, memo: BuildMemo | None = None) -> BuildResult:
    return build_site(BuildOptions(site_dir=site, output_dir=out, search=False, jobs=jobs), memo)


def clean_tree(site: Path, scratch: Path) -> dict[str, bytes]:
    """Return the output of a build of ``site`` from scratch: a copy without its cache."""
    copy = scratch / "clean-site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(CACHE_DIR, "public"))
    build(copy, scratch / "clean-out", jobs=1)
    return file_tree(scratch / "clean-out")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _body(site: Path) -> None:
    edit(site / "content/2022/a010.md", "More text 10.", "More text 10, now longer.")


def _first_paragraph(site: Path) -> None:  # the summary shows on list pages and in related lists
    edit(site / "content/2022/a012.md", "First paragraph of briefing 12", "A new opening for briefing 12")


def _front_matter(site: Path) -> None:
    edit(site / "content/2022/a020.md", "title: \"Briefing 20", "title: \"Renamed briefing 20")


def _date(site: Path) -> None:  # reorders the home page, the topic pages and the feeds
    edit(site / "content/2022/a021.md", "date: 2022-01-22", "date: 2021-12-22")


def _topic_added(site: Path) -> None:
    edit(site / "content/2022/a030.md", "topics: [", "topics: ['Brand new topic', ")


def _topic_removed(site: Path) -> None:
    for n in range(ARTICLES):  # every article of one topic leaves it: its pages must go
        path = site / f"content/2022/a{n:03d}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("'Trade'", "'Energy'"), encoding="utf-8")


def _template(site: Path) -> None:
    (site / "layouts" / "partials").mkdir(parents=True, exist_ok=True)
    card = (DEFAULT_LAYOUTS / "partials" / "card.html").read_text(encoding="utf-8")
    (site / "layouts" / "partials" / "card.html").write_text(card.replace("<article", "<article data-x=\"1\"", 1))


def _static(site: Path) -> None:
    (site / "layouts/static/css/extra.css").write_text("body { color: navy; }\n")


def _asset(site: Path) -> None:
    (site / "content/2022/map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>")


def _site_yaml(site: Path) -> None:
    edit(site / "site.yaml", "per_page: 7", "per_page: 5\ndescription: Now described")


def _base_url(site: Path) -> None:
    edit(site / "site.yaml", "https://example.org/news/", "https://example.com/")


def _deleted(site: Path) -> None:  # a017 is linked from a018's body: that link is left as written
    (site / "content/2022/a017.md").unlink()


def _renamed(site: Path) -> None:  # a026 is linked from a027's body
    (site / "content/2022/a026.md").rename(site / "content/2022/a026-renamed.md")


def _added(site: Path) -> None:
    (site / "content/2022/a999.md").write_text(numbered_briefing(999).replace("2022-01-", "2023-01-"), encoding="utf-8")


def _draft(site: Path) -> None:
    edit(site / "content/2022/a040.md", "source: Wire", "source: Wire\ndraft: true")


CHANGES: dict[str, Callable[[Path], None]] = {
    "article body": _body, "first paragraph": _first_paragraph, "front matter": _front_matter,
    "date": _date, "topic added": _topic_added, "topic removed": _topic_removed, "template": _template,
    "static file": _static, "content asset": _asset, "site.yaml": _site_yaml, "base_url": _base_url,
    "article deleted": _deleted, "article renamed": _renamed, "article added": _added, "draft": _draft,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_incremental_build_equals_a_clean_build(site: Path, tmp_path: Path, change: str) -> None:
    out = site / "public"
    build(site, out)
    CHANGES[change](site)
    build(site, out)
    assert file_tree(out) == clean_tree(site, tmp_path)


@pytest.mark.parametrize("change", ["article body", "template", "article deleted", "site.yaml"])
def test_a_dev_server_memo_gives_the_same_bytes(site: Path, tmp_path: Path, change: str) -> None:
    memo = BuildMemo()
    out = tmp_path / "served"
    build(site, out, memo=memo)
    CHANGES[change](site)
    build(site, out, memo=memo)
    assert file_tree(out) == clean_tree(site, tmp_path)


def test_a_rebuild_with_nothing_changed_writes_nothing(site: Path) -> None:
    out = site / "public"
    first = build(site, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build(site, out)
    assert (again.written, again.removed) == (0, 0)
    assert (again.pages, again.articles, again.topics) == (first.pages, first.articles, first.topics)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_a_first_build_keeps_each_markdown_file_signature_as_a_scan_takes_it(site: Path) -> None:
    # A first build reads each file once, in the workers; the signature it keeps for the next
    # build's scan is the one the scan itself would take.
    build(site, site / "public")
    kept = load_scan(SitePaths.for_site(site))
    scanned = dict(files.scan_site(site, [], read_markdown=False).markdown_signatures)
    markdown = {path: sig for path, sig in kept.items() if not Path(path).is_absolute()}
    assert markdown == scanned and markdown and all(sig[0] > 0 and sig[4] for sig in markdown.values())
    # Beside them, the copied files' signatures (by their absolute paths), so none is read again.
    assert all(Path(path).is_absolute() and sig[4] for path, sig in kept.items() if path not in markdown)


def test_a_body_edit_rewrites_only_the_affected_files(site: Path) -> None:
    out = site / "public"
    build(site, out)
    _body(site)
    result = build(site, out)
    # The article page, plus the feeds that carry its full text (site feed and its topics' feeds).
    assert 1 <= result.written <= 8, result.written


def test_an_output_file_changed_by_hand_is_restored(site: Path, tmp_path: Path) -> None:
    out = site / "public"
    build(site, out)
    (out / "index.html").write_text("tampered")
    (out / "topics" / "index.html").unlink()
    (out / "css" / "extra.css").write_text("x")
    result = build(site, out)
    assert result.written == 3
    assert file_tree(out) == clean_tree(site, tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "foreign"])
def test_a_damaged_cache_is_ignored(site: Path, tmp_path: Path, damage: str) -> None:
    out = site / "public"
    build(site, out)
    files = sorted(p for p in (site / CACHE_DIR).rglob("*") if p.is_file())
    assert files
    for path in files:
        data = path.read_bytes()
        path.write_bytes({"truncate": data[: len(data) // 2], "garble": data[:40] + b"\x00" * 64 + data[104:],
                          "empty": b"", "foreign": b"not a cache file at all"}[damage])
    _body(site)
    build(site, out)
    assert file_tree(out) == clean_tree(site, tmp_path)


def test_one_job_and_two_jobs_give_the_same_bytes(site: Path, tmp_path: Path) -> None:
    build(site, tmp_path / "one", jobs=1)
    shutil.rmtree(site / CACHE_DIR)
    build(site, tmp_path / "two", jobs=2)
    assert file_tree(tmp_path / "one") == file_tree(tmp_path / "two")


def test_a_failed_rebuild_leaves_the_previous_output_and_no_staging(site: Path) -> None:
    out = site / "public"
    build(site, out)
    before = file_tree(out)
    (site / "layouts" / "article.html").write_text("{% extends 'base.html' %}{% block content %}{{ nope.x }}{% endblock %}")
    _body(site)
    with pytest.raises(BuildError):
        build(site, out)
    assert file_tree(out) == before
    assert not (out / output.STAGING).exists()


def test_a_first_build_killed_before_publishing_does_not_block_the_next(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    stage = output.open_staging(out)  # what a killed first build leaves: the folder, its mark, staged files
    (stage / "half.html").write_text("half")
    build(site, out)
    assert not (out / output.STAGING).exists() and not (out / ".newsbite-new").exists()
    assert file_tree(out) == clean_tree(site, tmp_path)


def test_a_first_build_making_its_folders_apart_gives_the_same_bytes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # From _FOLDERS_APART articles on, a helper process makes the article folders while the
    # build plans; with it and without it, the output is the same.
    import generator.build.pipeline as build_module

    monkeypatch.setattr(build_module, "FOLDERS_APART", 1)
    apart = build(site, tmp_path / "apart")
    assert apart.written == len(file_tree(tmp_path / "apart")) - 1  # every file but the manifest
    assert file_tree(tmp_path / "apart") == clean_tree(site, tmp_path)
    assert not (tmp_path / "apart" / output.STAGING).exists()


def test_a_failed_first_build_leaves_no_folder_and_no_helper(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.build.pipeline as build_module

    monkeypatch.setattr(build_module, "FOLDERS_APART", 1)
    started: list[output.PendingFolders | None] = []
    make = output.make_folders_meanwhile
    monkeypatch.setattr(output, "make_folders_meanwhile", lambda *args: started.append(make(*args)) or started[-1])
    (site / "content" / "2022" / "a001.md").write_text(  # an alias onto another article's page
        numbered_briefing(1).replace("---\n", "---\naliases: [/2022/01/a002/]\n", 1), encoding="utf-8")
    out = tmp_path / "never"
    with pytest.raises(BuildError):
        build(site, out)
    assert not out.exists()
    assert started and started[0] is not None and started[0]._helper is None  # the helper was waited for


def test_folders_made_apart_are_known_to_the_writers(tmp_path: Path) -> None:
    stage = output.open_staging(tmp_path / "out")
    pending = output.make_folders_meanwhile(stage, ["2022/01/a/index.html", "2022/01/b/index.html", "../x/index.html"])
    assert pending is not None
    pending.wait()
    pending.wait()  # a second wait does nothing
    assert (stage / "2022" / "01" / "a").is_dir() and (stage / "2022" / "01" / "b").is_dir()
    assert not (tmp_path / "out" / "x").exists()  # outside the staging folder: left for the page to refuse
    assert os.path.join(stage, "2022/01/a") in output._made_folders
    assert [p.name for p in stage.iterdir()] == ["2022"]  # the list of folders is gone
    output.discard_staging(tmp_path / "out", pending)
    assert not (tmp_path / "out").exists()
