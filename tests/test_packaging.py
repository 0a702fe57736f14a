"""The installed package carries the built-in theme: a site builds where NewsBite is installed (issue 10)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _packages() -> list[str]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages: list[str] = settings["tool"]["setuptools"]["packages"]
    return packages


def test_every_package_and_theme_folder_is_listed() -> None:
    def dotted(root: Path, folder: Path, prefix: str) -> str:
        rel = folder.relative_to(root).as_posix()
        return prefix if rel == "." else prefix + "." + rel.replace("/", ".")

    code = {dotted(ROOT / "generator", p.parent, "generator") for p in (ROOT / "generator").rglob("__init__.py")}
    theme = {dotted(ROOT / "layouts", d, "generator.theme") for d in [ROOT / "layouts", *(ROOT / "layouts").rglob("*")]
             if d.is_dir()}
    assert sorted(_packages()) == sorted(code | theme)


def test_a_wheel_carries_the_theme_and_builds_a_site_outside_the_repository(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT),
                    "-w", str(tmp_path / "wheel")], check=True, capture_output=True, timeout=600)
    wheel = next((tmp_path / "wheel").glob("newsbite-*.whl"))
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    theme = sorted(p.relative_to(ROOT / "layouts").as_posix() for p in (ROOT / "layouts").rglob("*") if p.is_file())
    assert sorted(p.relative_to(installed / "generator" / "theme").as_posix()
                  for p in (installed / "generator" / "theme").rglob("*") if p.is_file()) == theme
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text("title: Elsewhere\nbase_url: https://example.org/\n", encoding="utf-8")
    (site / "content" / "a.md").write_text("---\ntitle: Away from home\ndate: 2022-01-09\n---\nBody.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--no-search"], cwd=site,
                            env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert (site / "public" / "css" / "newsbite.css").read_bytes() == (ROOT / "layouts/static/css/newsbite.css").read_bytes()
    assert "Away from home" in (site / "public" / "index.html").read_text(encoding="utf-8")
