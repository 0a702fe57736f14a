"""``newsbite serve`` takes the fast path for an article edit, and its output equals a clean build's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from generator.build.pipeline import BuildOptions, BuildResult, full_build
from generator.serve import server as serve_module

from .serving import SITE_FILES, article, fetch, start_in_process, wait_for_build


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def clean_tree(site: Path, scratch: Path, base_url: str) -> dict[str, bytes]:
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(site, scratch / "site", ignore=shutil.ignore_patterns(".newsbite-cache"))
    full_build(BuildOptions(site_dir=scratch / "site", output_dir=scratch / "out", base_url=base_url, search=False))
    return tree(scratch / "out")


def test_serve_applies_an_article_edit_on_the_fast_path(make_site, tmp_path: Path, monkeypatch) -> None:
    results: list[BuildResult] = []

    def recording(*args: Any, **kwargs: Any) -> BuildResult:
        results.append(full_build(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(serve_module, "full_build", recording)
    site = make_site(SITE_FILES)
    server = start_in_process(site)
    try:
        state = server.board.current()
        (site / "content/2022/delta.md").write_text(
            article("Delta pipeline opens early", ["Energy"], 12, "A new body."), encoding="utf-8")
        wait_for_build(server, state)
        # (A slow machine may see the write as two bursts; every rebuild after the first is fast.)
        assert not results[0].fast and len(results) >= 2 and all(r.fast for r in results[1:])
        assert b"Delta pipeline opens early" in fetch(server.url + "2022/01/delta/").body
        assert tree(server.output_dir) == clean_tree(site, tmp_path / "clean", server.url)

        state = server.board.current()
        (site / "content/2022/delta.md").write_text(
            article("Delta pipeline opens early", ["Energy", "Kazakhstan"], 12, "A new body."), encoding="utf-8")
        wait_for_build(server, state)
        assert not results[-1].fast  # a new topic reshapes the site
        assert tree(server.output_dir) == clean_tree(site, tmp_path / "clean", server.url)
    finally:
        server.close()

