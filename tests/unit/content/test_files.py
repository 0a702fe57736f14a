"""``files.rescan``: the last scan with the files a watcher named looked at again, or None."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.content.files import SiteSources, input_stamps, rescan, scan_site, stamps_settled


def scanned(site: Path) -> SiteSources:
    return scan_site(site, [], read_markdown=False, known={}, hash_markdown=True)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content" / "2022").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text("title: T\n")
    for name in ("b", "d"):
        (tmp_path / "content" / "2022" / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n")
    (tmp_path / "content" / "2022" / "map.png").write_bytes(b"png")
    return tmp_path


def test_a_rescan_equals_a_whole_scan_after_edits_additions_and_removals(site: Path) -> None:
    last = scanned(site)
    (site / "content/2022/b.md").write_text("---\ntitle: b, edited\n---\n")
    (site / "content/2022/c.md").write_text("---\ntitle: c\n---\n")
    (site / "content/2022/d.md").unlink()
    (site / "content/2022/ü-ß.md").write_text("---\ntitle: unicode\n---\n")
    again = rescan(site, last, ["content/2022/b.md", "content/2022/c.md", "content/2022/d.md", "content/2022/ü-ß.md"])
    assert again is not None
    whole = scanned(site)
    assert again.markdown_digests == whole.markdown_digests
    assert [path for path, _sig in again.markdown_signatures] == [path for path, _sig in whole.markdown_signatures]
    assert (again.assets, again.static, again.config_text) == (whole.assets, whole.static, whole.config_text)


def test_a_file_named_but_unchanged_keeps_its_digest(site: Path) -> None:
    last = scanned(site)
    again = rescan(site, last, ["content/2022/b.md"])
    assert again is not None and again.markdown_digests == last.markdown_digests


@pytest.mark.parametrize("changed", [
    "site.yaml", "layouts/article.html", "layouts/static/css/site.css", "content/2022/map.png", "content/2022",
    "content/new-folder",
])
def test_anything_but_a_markdown_file_asks_for_a_whole_scan(site: Path, changed: str) -> None:
    (site / "content" / "new-folder").mkdir()
    assert rescan(site, scanned(site), [changed]) is None


def test_a_link_an_undecodable_file_or_a_scan_with_problems_asks_for_a_whole_scan(site: Path) -> None:
    last = scanned(site)
    os.symlink(site / "content/2022/b.md", site / "content/2022/link.md")
    assert rescan(site, last, ["content/2022/link.md"]) is None
    (site / "content/2022/bad.md").write_bytes(b"\xff\xfe")
    assert rescan(site, last, ["content/2022/bad.md"]) is None
    (site / "content/2022/.hidden.md").write_text("x")
    with_warning = scanned(site)
    assert with_warning.problems
    assert rescan(site, with_warning, ["content/2022/b.md"]) is None


# ``files.input_stamps``: every source file by name and stamp, none of them read ------------------


def stamped(site: Path, *folders: Path) -> str:
    return input_stamps(site, folders).digest


def test_the_stamps_are_the_same_for_the_same_files(site: Path) -> None:
    assert stamped(site) == stamped(site)


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename", "settings", "asset", "hidden", "touch"])
def test_the_stamps_change_with_any_change_to_the_sources(site: Path, change: str) -> None:
    before = stamped(site)
    article = site / "content/2022/b.md"
    if change == "edit":  # the same size, and the old modification time put back: the change time still tells
        stat = article.stat()
        article.write_text("---\ntitle: B\n---\n")
        os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "add":
        (site / "content/2023").mkdir()
        (site / "content/2023/ü.md").write_text("---\ntitle: ü\n---\n")
    elif change == "remove":
        article.unlink()
    elif change == "rename":
        article.rename(site / "content/2022/c.md")
    elif change == "settings":
        (site / "site.yaml").write_text("title: U\n")
    elif change == "asset":
        (site / "content/2022/map.png").write_bytes(b"PNG")
    elif change == "hidden":  # not built, but warned about
        (site / "content/2022/.draft.md").write_text("---\ntitle: hidden\n---\n")
    else:
        os.utime(article, ns=(0, 0))
    assert stamped(site) != before


def test_the_stamps_cover_the_template_folders_and_the_target_of_a_link(site: Path, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    (layouts / "static").mkdir(parents=True)
    (layouts / "base.html").write_text("<html>")
    target = site / "content/2022/map.png"
    (site / "content/2022/link.png").symlink_to(target)
    before = stamped(site, layouts)
    (layouts / "static" / "site.css").write_text("body {}")
    with_css = stamped(site, layouts)
    assert with_css != before
    target.write_bytes(b"a larger picture")
    assert stamped(site, layouts) != with_css


def test_a_file_changed_within_two_seconds_is_not_settled(site: Path) -> None:
    stamps = input_stamps(site, [])
    assert not stamps_settled(stamps)  # every file was just written
    assert stamps_settled(stamps, stamps.newest_ns + 2_000_000_001)


def test_the_scan_given_the_stamps_signs_as_it_would_alone(site: Path) -> None:
    stamps = input_stamps(site, []).content
    st = (site / "content/2022/b.md").stat()
    assert stamps["content/2022/b.md"] == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    assert "content/2022/map.png" in stamps
    alone = scan_site(site, [], read_markdown=False, known={}, hash_markdown=True)
    given = scan_site(site, [], read_markdown=False, known={}, hash_markdown=True, stamps=stamps)
    assert given == alone
