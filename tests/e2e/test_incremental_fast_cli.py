"""``newsbite build`` takes the fast path across processes, and gives the bytes of a clean build (issue 5).

Each build here is a separate ``full_build`` without a memo, as two runs of the command are: all
they share is the site's ``.newsbite-cache/``. After every step the whole output tree must equal
a build of the same sources from scratch; wording edits must take the fast path and rewrite
exactly the files whose bytes changed; anything else, or a damaged saved model, the full build.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Callable

import pytest

from generator.build import faststate
from generator.build.pipeline import BuildResult, full_build
from generator.diagnostics import BuildError
from tests.e2e.helpers import file_tree
from tests.e2e.test_incremental_fast import A, checked_step, edit, options, site

__all__ = ["site"]  # the fixture, shared with the dev server's tests


class Builds:
    """A site built again and again by separate runs of the command (no memo between them)."""

    def __init__(self, site: Path, tmp_path: Path) -> None:
        self.site, self.out, self.scratch = site, tmp_path / "out", tmp_path / "scratch"
        first = full_build(options(site, self.out))
        assert not first.fast
        # A first build into an empty folder saves no model (it would cost a cold build a second at
        # 10,000 articles); the first full rebuild does.
        assert not faststate.state_file(site, self.out).exists()
        self.step(lambda s: edit(s / A.format(59), "More text 59.", "More text 59, first."), False)
        assert faststate.state_file(site, self.out).is_file()

    def step(self, change: Callable[[Path], None], fast: bool) -> BuildResult:
        """Apply ``change``, build, and check the output against a clean build (and what was rewritten)."""
        return checked_step(self.site, self.out, self.scratch, change,
                            lambda: full_build(options(self.site, self.out)), fast)


def test_successive_builds_take_the_fast_path_for_wording_edits(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    page = A.format(20)
    original = (site / page).read_text(encoding="utf-8")
    result = builds.step(lambda s: edit(s / page, 'title: "Briefing 20', 'title: "Renamed briefing 20'), True)
    assert "2022/01/a020/index.html" in result.written_files and "index.html" not in result.written_files
    builds.step(lambda s: edit(s / A.format(22), "standfirst: Short standfirst 22", "standfirst: A new one"), True)
    # Back to the bytes the saved model was built from: its pages must still be written again.
    builds.step(lambda s: (s / page).write_text(original, encoding="utf-8"), True)
    builds.step(lambda s: edit(s / A.format(25), "source: Wire", "updated: 2022-03-01T10:00:00+00:00\nsource: Wire"),
                True)
    builds.step(lambda s: edit(s / A.format(27), "More text 27.", "More text 27, and more."), True)


def test_nothing_changed_after_a_fast_build_writes_nothing(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"), True)
    result = builds.step(lambda s: None, True)
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
def test_other_changes_take_the_full_build_and_the_next_edit_is_fast_again(
    site: Path, tmp_path: Path, change: Callable[[Path], None]
) -> None:
    builds = Builds(site, tmp_path)
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"), True)
    # A structural change, together with the pending wording edit of another article.
    builds.step(lambda s: (change(s), edit(s / A.format(21), "More text 21.", "More text 21?")), False)
    builds.step(lambda s: edit(s / A.format(50), "More text 50.", "More text 50!"), True)


def test_other_build_options_take_the_full_build(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    edit(site / A.format(20), "More text 20.", "More text 20!")
    other = full_build(options(site, tmp_path / "elsewhere"))  # another output folder: its own record
    assert not other.fast
    drafts = full_build(dataclasses.replace(options(site, builds.out), drafts=True))
    assert not drafts.fast
    builds.step(lambda s: edit(s / A.format(21), "More text 21.", "More text 21?"), False)


def test_a_damaged_or_missing_saved_model_is_ignored(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    saved = faststate.state_file(site, builds.out)
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    builds.step(lambda s: edit(s / A.format(20), "More text 20.", "More text 20!"), False)
    builds.step(lambda s: edit(s / A.format(21), "More text 21.", "More text 21?"), True)
    saved.write_bytes(saved.read_bytes()[:100])
    builds.step(lambda s: edit(s / A.format(22), "More text 22.", "More text 22?"), False)
    saved.unlink()
    builds.step(lambda s: edit(s / A.format(23), "More text 23.", "More text 23?"), False)
    # Without its cache the output folder is as good as new: the next build saves no model either.
    shutil.rmtree(site / ".newsbite-cache")
    builds.step(lambda s: edit(s / A.format(24), "More text 24.", "More text 24?"), False)
    builds.step(lambda s: edit(s / A.format(25), "More text 25.", "More text 25?"), False)
    builds.step(lambda s: edit(s / A.format(26), "More text 26.", "More text 26?"), True)


def test_a_broken_file_fails_like_a_full_build_and_its_fix_is_fast(site: Path, tmp_path: Path) -> None:
    builds = Builds(site, tmp_path)
    page = A.format(44)
    before = file_tree(builds.out)
    edit(site / page, "title: ", "title: [unclosed\n")
    with pytest.raises(BuildError) as failure:
        full_build(options(site, builds.out))
    assert any(d.path == page for d in failure.value.diagnostics)
    assert file_tree(builds.out) == before

    def fix(s: Path) -> None:
        edit(s / page, "title: [unclosed\n", "title: ")
        edit(s / page, 'title: "Briefing 44', 'title: "Fixed briefing 44')

    builds.step(fix, True)
