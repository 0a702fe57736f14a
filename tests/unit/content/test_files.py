"""``files.rescan``: the last scan with the files a watcher named looked at again, or None."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.content.files import SiteSources, rescan, scan_site


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
