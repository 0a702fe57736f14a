"""NEWSBITE_REFERENCE=1 turns every fast path off, and a build writes the same bytes either way.

The fast paths (quickmark, quickyaml, the slug and typography shortcuts: content/fastpaths.py)
each shadow a reference implementation; built both ways, the sample site and a 500-article
corpus must give the same files, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.content.fastpaths import SWITCH

REPO = Path(__file__).resolve().parents[2]
# The benchmark corpus generator lives beside the repository (CI clones it next to ../shared).
MAKE_CORPUS = REPO / ".." / "shared" / "bench" / "make_corpus.py"
CORPUS_SITE_YAML = "title: NewsBite\nbase_url: https://example.org/\nper_page: 20\n"
BUILD_TIMEOUT = 600


def build_both_ways(site: Path, work: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Return every output file of ``site`` built as usual and built with the fast paths off.

    Each build starts cold, from a copy of the site of its own: neither may take bodies or pages
    from a cache the other left.
    """
    outputs = []
    for name, reference in (("usual", False), ("reference", True)):
        copy = work / f"site-{name}"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".newsbite-cache", "public"))
        env = {key: value for key, value in os.environ.items() if key != SWITCH}
        if reference:
            env[SWITCH] = "1"
        out = work / f"out-{name}"
        result = subprocess.run(
            [sys.executable, "-m", "generator", "-v", "build", "--site", str(copy), "--output", str(out), "--no-search"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # The build heard the switch (or did not): it says so under -v.
        assert (f"{SWITCH}=1: fast paths off" in result.stderr) is reference, result.stderr
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    return outputs[0], outputs[1]


def assert_same_files(usual: dict[str, bytes], reference: dict[str, bytes]) -> None:
    assert sorted(usual) == sorted(reference)
    differing = [rel for rel, data in usual.items() if reference[rel] != data]
    assert differing == [], f"{len(differing)} of {len(usual)} files differ, e.g. {differing[:5]}"


def test_the_sample_site_builds_the_same_both_ways(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    shutil.copy(REPO / "site.yaml", sample / "site.yaml")
    shutil.copytree(REPO / "content", sample / "content")  # and the built-in theme, layouts/, as the repository builds
    usual, reference = build_both_ways(sample, tmp_path)
    assert "index.html" in usual and sum(rel.endswith("index.html") for rel in usual) > 20
    assert_same_files(usual, reference)


def test_a_corpus_of_500_articles_builds_the_same_both_ways(tmp_path: Path) -> None:
    if not MAKE_CORPUS.is_file():
        pytest.fail(f"the corpus generator is missing: {MAKE_CORPUS.resolve()} (clone the shared folder beside the repository)")
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(MAKE_CORPUS), str(corpus), "--articles", "500"],
                   check=True, capture_output=True, timeout=BUILD_TIMEOUT)
    (corpus / "site.yaml").write_text(CORPUS_SITE_YAML, encoding="utf-8")
    usual, reference = build_both_ways(corpus, tmp_path)
    assert sum(rel.endswith("index.html") for rel in usual) > 500
    assert_same_files(usual, reference)
