"""Fixed costs of a build that a small site feels: what it imports (issue 10's 1,000-article row)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.helpers import front

REPO = Path(__file__).resolve().parents[2]


def imported_modules(site: Path, *args: str) -> set[str]:
    """Return the modules a cold ``newsbite build`` of ``site`` imports (``python -X importtime``)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "generator", "build", "--site", str(site),
                             "--no-search", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_a_site_without_pictures_builds_without_importing_pillow(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "topics": ["Ghana"]}),
                      "content/b.md": front({"date": "2022-01-10", "title": "B", "image": "https://example.org/b.jpg"})})
    modules = imported_modules(site, "--jobs", "1")
    assert "generator.build.pipeline" in modules  # the build ran, and importtime saw it
    assert not any(name == "PIL" or name.startswith("PIL.") for name in modules)
    assert (site / "public" / "2022" / "01" / "b" / "index.html").is_file()
