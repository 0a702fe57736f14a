"""The first stage of a build (``build.site``): when the sources' stamps equal the last build's and
its output is intact, the build ends there, having read no source and imported no template,
Markdown or YAML module; any change, touched file or damaged output goes on to the other stages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import pipeline
from generator.build.site import BuildResult, build_site
from generator.build.options import BuildOptions
from generator.content import files
from tests.e2e.helpers import front

REPO = Path(__file__).resolve().parents[2]
ARTICLE = "content/2022/a.md"
PAGE = "public/2022/01/a/index.html"


@pytest.fixture
def site(make_site) -> Path:
    return make_site({ARTICLE: front({"date": "2022-01-09", "title": "Alpha", "topics": ["Ghana"]}, "First words.\n"),
                      "content/2022/b.md": front({"date": "2022-01-10", "title": "Beta", "topics": ["Ghana"]})})


def cli_build(site: Path) -> tuple[str, set[str]]:
    """Run ``newsbite build`` in a process of its own; return its summary line and the modules it imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "generator", "build", "--site", str(site),
                             "--no-search"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    modules = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return result.stdout.strip(), modules


def settle() -> None:
    time.sleep(files._RACY_NS / 1e9 + 0.1)  # until no source is too new for its stamp to be trusted


def test_a_build_with_nothing_to_do_reads_no_source_and_imports_no_template_module(site: Path) -> None:
    first, _ = cli_build(site)
    settle()
    again, modules = cli_build(site)
    assert "generator.build.pipeline" not in modules
    assert not {"jinja2", "markdown_it", "yaml", "generator.content.articles"} & modules
    assert again.split(" in ")[0] == first.split(" in ")[0] == "Built 19 pages (2 articles, 1 topic)"
    assert again.endswith("0 written, 0 removed.")


def test_a_changed_output_file_is_made_again_when_the_sources_are_unchanged(site: Path) -> None:
    cli_build(site)
    page = site / PAGE
    made = page.read_bytes()
    settle()
    page.write_text("vandalised", encoding="utf-8")
    summary, modules = cli_build(site)
    assert "generator.build.pipeline" in modules
    assert summary.endswith("1 written, 0 removed.") and page.read_bytes() == made


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> list[BuildResult]:
    """Trust every stamp at once (as builds seconds apart do), and list the builds that went past the first stage."""
    monkeypatch.setattr(files, "_RACY_NS", -1)
    went_on: list[BuildResult] = []
    build = pipeline.build

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        built = build(*args, **kwargs)
        went_on.append(built)
        return built

    monkeypatch.setattr(pipeline, "build", counted)
    return went_on


def test_an_edit_keeping_size_and_modification_time_is_still_built(site: Path, settled: list[object]) -> None:
    build_site(BuildOptions(site, search=False))
    article = site / ARTICLE
    stat = article.stat()
    article.write_text(article.read_text(encoding="utf-8").replace("First words", "Other words"), encoding="utf-8")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert article.stat().st_size == stat.st_size
    result = build_site(BuildOptions(site, search=False))
    assert len(settled) == 2 and result.written >= 1
    assert "Other words" in (site / PAGE).read_text(encoding="utf-8")


def test_a_touched_source_is_read_once_then_trusted_by_its_stamp(site: Path, settled: list[object]) -> None:
    build_site(BuildOptions(site, search=False))
    assert len(settled) == 1
    build_site(BuildOptions(site, search=False))
    assert len(settled) == 1  # ended in the first stage
    os.utime(site / ARTICLE)  # touched: new stamps, the same bytes
    touched = build_site(BuildOptions(site, search=False))
    assert len(settled) == 2 and touched.written == 0
    build_site(BuildOptions(site, search=False))
    assert len(settled) == 2  # the touched file's new stamp was kept


@pytest.mark.parametrize("option", ["drafts", "future", "strict", "base_url"])
def test_another_option_reaching_the_output_goes_past_the_first_stage(site: Path, settled: list[object],
                                                                      option: str) -> None:
    build_site(BuildOptions(site, search=False))
    value: object = "https://example.org/sub/" if option == "base_url" else True
    build_site(BuildOptions(site, search=False, **{option: value}))  # type: ignore[arg-type]
    assert len(settled) == 2
