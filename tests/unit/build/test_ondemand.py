"""build.ondemand: every file a plan holds is made on request with the bytes the build writes."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pytest

from generator.build.artifacts import CopiedFile
from generator.build.ondemand import NotRendered, PlannedOutput
from generator.build.pages import PageJob
from generator.build.options import BuildOptions
from generator.build.site import build_site
from generator.diagnostics import BuildError
from tests.e2e.serving import SITE_FILES

ASSET = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"3\"/>\n"


def build_with_plan(site: Path, out: Path) -> PlannedOutput:
    """Build ``site`` into ``out``; return the plan it handed over before rendering."""
    handed: list[PlannedOutput] = []

    def on_plan(job: PageJob, copies: Mapping[str, CopiedFile]) -> None:
        assert not (out / "index.html").exists(), "the plan comes before any page is published"
        handed.append(PlannedOutput(job, copies))

    build_site(BuildOptions(site_dir=site, output_dir=out, search=False, on_plan=on_plan))
    assert len(handed) == 1
    return handed[0]


def written_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".newsbite-")}


def test_every_planned_file_has_the_bytes_the_build_writes(make_site, tmp_path: Path) -> None:
    site = make_site({**SITE_FILES, "content/2022/map.svg": ASSET,
                      "content/2022/echo.md": "---\ntitle: Echo\ndate: 2022-01-13T10:00:00+11:00\n"
                                              "topics: [Energy]\n---\nSee the ![map](map.svg).\n"})
    out = tmp_path / "public"
    planned = build_with_plan(site, out)
    written = written_files(out)
    expected = {"index.html", "404.html", "feed.xml", "sitemap.xml", "2022/01/alpha/index.html", "2022/map.svg"}
    assert expected <= set(written)
    try:
        for rel, data in sorted(written.items()):
            assert planned.find(rel) == "file", rel
            assert planned.read(rel) == data, rel
    finally:
        planned.close()


def test_folders_and_missing_paths_are_told_apart(make_site, tmp_path: Path) -> None:
    planned = build_with_plan(make_site(SITE_FILES), tmp_path / "public")
    try:
        assert planned.find("") == "dir"
        assert planned.find("2022/01/alpha") == "dir"
        assert planned.find("2022") == "dir"
        assert planned.find("2022/01/alph") == "missing"
        assert planned.find("2022/01/alpha/index.html/x") == "missing"
        assert planned.read("2022/01/zulu/index.html") is None
    finally:
        planned.close()


def test_a_closed_plan_makes_nothing(make_site, tmp_path: Path) -> None:
    planned = build_with_plan(make_site(SITE_FILES), tmp_path / "public")
    assert planned.read("index.html")
    planned.close()
    with pytest.raises(NotRendered):
        planned.read("index.html")
    with pytest.raises(NotRendered):
        planned.find("")


def test_a_failing_template_is_not_rendered_with_its_problem(make_site, tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block content %}\n{{ article.title.no_such.deeper }}\n{% endblock %}\n'
    site = make_site({**SITE_FILES, "layouts/article.html": broken})
    handed: list[PlannedOutput] = []

    def on_plan(job: PageJob, copies: Mapping[str, CopiedFile]) -> None:
        handed.append(PlannedOutput(job, copies))

    with pytest.raises(BuildError):
        build_site(BuildOptions(site_dir=site, output_dir=tmp_path / "public", search=False, on_plan=on_plan))
    planned = handed[0]
    try:
        assert b"Alpha troops arrive" in (planned.read("index.html") or b"")
        with pytest.raises(NotRendered) as failed:
            planned.read("2022/01/alpha/index.html")
        assert [(d.path, d.line) for d in failed.value.diagnostics] == [("layouts/article.html", 3)]
    finally:
        planned.close()
