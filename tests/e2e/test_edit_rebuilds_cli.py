"""``newsbite build`` after edits, across processes, gives the bytes of a clean build (issues 5, 10).

Each build here is a separate ``build_site`` without a memo, as two runs of the command are: all
they share is the site's ``.newsbite-cache/``. After every step the whole output tree must equal
a build of the same sources from scratch, and exactly the files whose bytes changed are rewritten,
whatever changed, and whatever happened to the cache.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Callable

import pytest

from generator.build.site import BuildResult, build_site
from generator.content import files
from generator.content.paths import SitePaths
from generator.diagnostics import BuildError
from tests.e2e.helpers import file_tree
from tests.e2e.test_edit_rebuilds import A, checked_step, edit, options, site

__all__ = ["site"]  # the fixture, shared with the dev server's tests


@pytest.fixture(autouse=True, params=["just written", "settled"])
def file_age(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test twice: as written, every source is too new for its stamp to be trusted, so each
    build reads them; "settled" trusts every stamp at once, as two builds seconds apart do, so a
    build whose sources' stamps equal the last build's ends in its first stage (``build.site``)."""
    if request.param == "settled":
        monkeypatch.setattr(files, "_RACY_NS", -1)
    return str(request.param)


class Builds:
    """A site built again and again by separate runs of the command (no memo between them)."""

    def __init__(self, site: Path, tmp_path: Path) -> None:
        self.site, self.out, self.scratch = site, tmp_path / "out", tmp_path / "scratch"
        build_site(options(site, self.out))

    def step(self, change: Callable[[Path], None]) -> BuildResult:
        """Apply ``change``, build, and check the output against a clean build (and what was rewritten)."""
        return checked_step(self.site, self.out, self.scratch, change, lambda: build_site(options(self.site, self.out)))


def test_successive_builds_after_wording_edits_write_only_their_pages(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    page = A.format(20)
    original = (site / page).read_text(encoding="utf-8")
    result = builds.step(lambda s: edit(s / page, 'title: "Briefing 20', 'title: "Renamed briefing 20'))
    assert "2022/01/a020/index.html" in result.written_files and "index.html" not in result.written_files
    builds.step(lambda s: edit(s / A.format(22), "standfirst: Short standfirst 22", "standfirst: A new one"))
    # Back to the bytes of an earlier build: its pages must still be written again.
    builds.step(lambda s: (s / page).write_text(original, encoding="utf-8"))
    builds.step(lambda s: edit(s / A.format(25), "source: Wire", "updated: 2022-03-01T10:00:00+00:00\nsource: Wire"))
    builds.step(lambda s: edit(s / A.format(27), "More text 27.", "More text 27, and more."))


def test_nothing_changed_after_an_edit_writes_nothing(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"))
    result = builds.step(lambda s: None)
    assert result.written == 0


@pytest.mark.parametrize("change", [
    lambda s: edit(s / A.format(30), "topics: [", "topics: ['Brand new topic', "),
    lambda s: edit(s / A.format(31), "date: 2022-01-04", "date: 2021-12-04"),
    lambda s: edit(s / A.format(34), "source: Wire", "draft: true\nsource: Wire"),
    lambda s: edit(s / "content/2022/draft.md", "Draft.", "Still a draft."),
    lambda s: (s / "content/2022/new.md").write_text("---\ntitle: New\ndate: 2022-01-09\n---\n\nNew.\n"),
    lambda s: (s / A.format(35)).unlink(),
    lambda s: (s / "content/2022/map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>"),
    lambda s: edit(s / "site.yaml", "per_page: 7", "per_page: 6"),
    lambda s: (s / "layouts/static").mkdir(parents=True) or (s / "layouts/static/extra.txt").write_text("extra\n"),
    lambda s: (s / "layouts").mkdir() or (s / "layouts" / "404.html").write_text("<p>Gone</p>\n"),
])
def test_structural_changes_and_the_edit_after_them(
    site: Path, tmp_path: Path, change: Callable[[Path], None]
) -> None:
    builds = Builds(site, tmp_path)
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"))
    # A structural change, together with the pending wording edit of another article.
    builds.step(lambda s: (change(s), edit(s / A.format(21), "More text 21.", "More text 21?")))
    builds.step(lambda s: edit(s / A.format(50), "More text 50.", "More text 50!"))


def test_other_build_options_and_output_folders_keep_their_own_records(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    edit(site / A.format(20), "More text 20.", "More text 20!")
    other = build_site(options(site, tmp_path / "elsewhere"))  # another output folder: its own record
    assert other.written == len(file_tree(tmp_path / "elsewhere")) - 1  # every file but the manifest
    drafts = build_site(dataclasses.replace(options(site, builds.out), drafts=True))
    assert "2022/01/draft/index.html" in drafts.written_files
    builds.step(lambda s: edit(s / A.format(21), "More text 21.", "More text 21?"))
    assert not (builds.out / "2022/01/draft/index.html").exists()


def test_a_damaged_or_missing_cache_is_only_slower(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    paths = SitePaths.for_site(site, builds.out)
    record = paths.output_record
    data = bytearray(record.read_bytes())
    data[len(data) // 2] ^= 0xFF
    record.write_bytes(bytes(data))
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"))
    record.write_bytes(record.read_bytes()[:100])
    builds.step(lambda s: edit(s / A.format(22), "More text 22.", "More text 22?"))
    for shard in paths.sources_cache.iterdir():
        shard.write_bytes(shard.read_bytes()[:-7])
    builds.step(lambda s: edit(s / A.format(23), "More text 23.", "More text 23?"))
    shutil.rmtree(paths.cache_dir)
    builds.step(lambda s: edit(s / A.format(24), "More text 24.", "More text 24?"))
    builds.step(lambda s: edit(s / A.format(25), "More text 25.", "More text 25?"))


def test_a_broken_file_fails_and_keeps_the_output_and_its_fix_builds(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    page = A.format(44)
    before = file_tree(builds.out)
    edit(site / page, "title: ", "title: [unclosed\n")
    with pytest.raises(BuildError) as failure:
        build_site(options(site, builds.out))
    assert any(d.path == page for d in failure.value.diagnostics)
    assert file_tree(builds.out) == before

    def fix(s: Path) -> None:
        edit(s / page, "title: [unclosed\n", "title: ")
        edit(s / page, 'title: "Briefing 44', 'title: "Fixed briefing 44')

    builds.step(fix)
