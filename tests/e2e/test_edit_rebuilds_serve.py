"""``newsbite serve`` rebuilds after an edit by the one build path, and its output equals a clean build's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.serve import server as serve_module

from .serving import SITE_FILES, article, fetch, start_in_process, wait_for_build


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def clean_tree(site: Path, scratch: Path, base_url: str) -> dict[str, bytes]:
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(site, scratch / "site", ignore=shutil.ignore_patterns(".newsbite-cache"))
    # Serve builds with search (issue 11): its output, search index included, equals a clean build's.
    build_site(BuildOptions(site_dir=scratch / "site", output_dir=scratch / "out", base_url=base_url))
    return tree(scratch / "out")


def test_serve_applies_edits_with_its_memo_and_writes_only_what_changed(make_site, tmp_path: Path, monkeypatch) -> None:
    results: list[BuildResult] = []

    def recording(*args: Any, **kwargs: Any) -> BuildResult:
        results.append(build_site(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(serve_module, "build_site", recording)
    site = make_site(SITE_FILES)
    server = start_in_process(site)
    try:
        state = server.board.current()
        (site / "content/2022/delta.md").write_text(
            article("Delta pipeline opens early", ["Energy"], 12, "A new body."), encoding="utf-8")
        wait_for_build(server, state)
        # (A slow machine may see the write as two bursts.) Only the new article's own files, and
        # the pages listing it, were written.
        assert len(results) >= 2
        written = {rel for r in results[1:] for rel in r.written_files}
        assert "2022/01/delta/index.html" in written and "404.html" not in written and "css/newsbite.css" not in written
        assert b"Delta pipeline opens early" in fetch(server.url + "2022/01/delta/").body
        assert tree(server.output_dir) == clean_tree(site, tmp_path / "clean", server.url)

        state = server.board.current()
        (site / "content/2022/delta.md").write_text(
            article("Delta pipeline opens early", ["Energy", "Kazakhstan"], 12, "A new body."), encoding="utf-8")
        wait_for_build(server, state)
        assert "topics/kazakhstan/index.html" in results[-1].written_files  # a new topic: its page
        assert tree(server.output_dir) == clean_tree(site, tmp_path / "clean", server.url)
    finally:
        server.close()

