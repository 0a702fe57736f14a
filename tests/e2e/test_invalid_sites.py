"""One folder per failure mode under tests/sites/invalid/ (SPEC section 7 and 8).

Each case holds a small site and ``expected.txt``: the exact ``path:line: message`` lines the
build must print (``args.txt``, if present, adds build options). The build must exit 1, name only
source files, write no output and touch nothing outside its output folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.helpers import build, snapshot

CASES = Path(__file__).resolve().parents[1] / "sites" / "invalid"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def copy_case(name: str, dest: Path) -> None:
    shutil.copytree(CASES / name, dest, ignore=shutil.ignore_patterns("expected.txt", "args.txt"))


@pytest.mark.parametrize("name", NAMES)
def test_invalid_site(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    site, out, cwd = tmp_path / "site", tmp_path / "out", tmp_path / "cwd"
    copy_case(name, site)
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    args = (CASES / name / "args.txt").read_text().split() if (CASES / name / "args.txt").exists() else []
    expected = (CASES / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    before = snapshot(tmp_path)

    assert build(site, "--output", str(out), *args) == 1
    printed = capsys.readouterr()
    diagnostics = [line for line in printed.err.splitlines() if not line.startswith("Build failed")]
    assert diagnostics == expected
    assert "Built" not in printed.out
    assert not out.exists(), "a failed build writes nothing, not even an empty output folder (SPEC section 7)"
    assert snapshot(tmp_path) == before, "nothing changed outside the output folder"


@pytest.mark.parametrize("name", NAMES)
def test_invalid_site_leaves_previous_output_byte_identical(name: str, tmp_path: Path) -> None:
    """Build a good version first, then break it: the output stays exactly as it was."""
    site, out = tmp_path / "site", tmp_path / "out"
    copy_case(name, site)
    broken = snapshot(site)
    # A good site in the same folder: the same layouts minus the broken ones, one valid article.
    for rel in list(broken):
        if rel.endswith((".md", ".html")) or rel == "site.yaml":
            (site / rel).unlink()
    (site / "content").mkdir(exist_ok=True)
    (site / "content" / "good.md").write_text("---\ntitle: Good\ndate: 2022-01-09\n---\nFine.\n", encoding="utf-8")
    assert build(site, "--output", str(out)) == 0
    (out / "CNAME").write_text("news.example\n")  # the host's file, kept by every build
    assert build(site, "--output", str(out)) == 0
    good_output = snapshot(out)
    assert "2022/01/good/index.html" in good_output and "CNAME" in good_output

    shutil.rmtree(site)
    copy_case(name, site)
    args = (CASES / name / "args.txt").read_text().split() if (CASES / name / "args.txt").exists() else []
    assert build(site, "--output", str(out), *args) == 1
    assert snapshot(out) == good_output
