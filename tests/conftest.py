"""Shared helpers: small sites written to tmp_path, and running the CLI in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

from generator.__main__ import main

SiteMaker = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    """Return a function writing {relative path: text} into a fresh site folder."""

    def make(files: dict[str, str | bytes], site_yaml: str = "title: Test Briefings\n", name: str = "site") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
        for rel, body in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        return root

    return make


def run_cli(*args: str) -> int:
    """Run ``newsbite`` in-process and return its exit status."""
    try:
        return main(list(args))
    except SystemExit as exc:  # argparse usage errors
        return int(exc.code or 0)
