"""The layer packages import downwards only (ARCHITECTURE.md), checked by import-linter's contract."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def _contract() -> dict[str, object]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = settings["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["type"] == "layers")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_layers_contract_is_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_names_every_package_and_top_level_module() -> None:
    children = {p.name for p in (ROOT / "generator").iterdir() if (p / "__init__.py").is_file()}
    children |= {p.stem for p in (ROOT / "generator").glob("*.py") if p.stem != "__init__"}
    assert set(_contract()["layers"]) == children  # type: ignore[arg-type]


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    # A copy of the package where the content layer reaches up into the build layer.
    shutil.copytree(ROOT / "generator", tmp_path / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    slugs = tmp_path / "generator" / "content" / "slugs.py"
    slugs.write_text(slugs.read_text(encoding="utf-8") + "\nfrom generator.build import cache  # noqa\n", encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "generator.content.slugs -> generator.build.cache" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    # Layers forbid upward imports; within a layer, modules must not import each other in a circle either.
    graph = grimp.build_graph("generator")
    cycles = [(module, other) for module in sorted(graph.modules) for other in sorted(graph.find_modules_directly_imported_by(module))
              if graph.chain_exists(importer=other, imported=module)]
    assert cycles == []
