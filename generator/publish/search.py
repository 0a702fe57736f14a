"""Site search: run Pagefind over the rendered pages and return its bundle as output files.

Pagefind reads HTML from a folder and writes its index beside it, so the pages are staged in a
scratch folder under the site's ``.newsbite-cache/`` (the one place outside the output a build may
write, SPEC section 8) and the bundle is read back into memory. The build then writes the bundle
with every other file: atomically, listed in the manifest, pruned when it goes stale, and never
before the whole site (index included) is ready.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping

from generator.diagnostics import BuildError, error
from generator.publish.pagefind_bundle import canonical_bundle

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
# The attribute that limits indexing to article bodies; pages without it are left out by Pagefind
# whenever any page has it, so staging only those pages gives the same index for less copying.
BODY_MARK = b"data-pagefind-body"


def pagefind_executable() -> Path:
    """Return the Pagefind binary shipped by the ``pagefind-bin`` package."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BuildError([error("site.yaml", 1, "site search needs the 'pagefind-bin' package "
                                "(pip install pagefind-bin), or build with --no-search")]) from exc
    return Path(get_executable())


def pages_to_index(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return the HTML pages Pagefind should see: those marked for indexing, else every page."""
    html = {path: data for path, data in files.items() if path.endswith((".html", ".htm"))}
    marked = {path: data for path, data in html.items() if BODY_MARK in data}
    return marked or html


def build_index(files: Mapping[str, bytes], cache: Path) -> dict[str, bytes]:
    """Index the rendered ``files`` (output path -> bytes) in a scratch folder inside the build's ``cache``
    folder; return the bundle as output path -> bytes."""
    pages = pages_to_index(files)
    made_cache = not cache.exists()
    cache.mkdir(parents=True, exist_ok=True)
    try:
        bundle = _index_in(cache, pages)
    finally:
        if made_cache:
            _remove_if_empty(cache)
    return canonical_bundle(bundle, BUNDLE_DIR)


def _index_in(cache: Path, pages: Mapping[str, bytes]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="search-", dir=cache) as scratch:
        root = Path(scratch).resolve() / "site"  # absolute: Pagefind runs with cwd set to it
        for rel, data in pages.items():
            target = (root / rel).resolve()
            if not target.is_relative_to(root.resolve()):
                continue  # the writer refuses such a path with a proper error; never stage it
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        root.mkdir(exist_ok=True)  # a site without pages still gets an (empty) index
        log.debug("indexing %d pages with Pagefind", len(pages))
        _run_pagefind(root)
        return _read_tree(root / BUNDLE_DIR, BUNDLE_DIR)


def _run_pagefind(root: Path) -> None:
    command = [str(pagefind_executable()), "--site", str(root), "--output-subdir", BUNDLE_DIR, "--silent"]
    # Pagefind answers to PAGEFIND_* variables; a stray one in the caller's shell must not change
    # where it writes or what it indexes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError([error("site.yaml", 1, f"could not run Pagefind ({exc}); build with --no-search to skip search")]) from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildError([error("site.yaml", 1, "Pagefind failed to index the site: " + " / ".join(detail))])


def _read_tree(folder: Path, prefix: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return found


def _remove_if_empty(folder: Path) -> None:
    # The cache folder was made only for the scratch copy; leave the site as it was.
    try:
        folder.rmdir()
    except OSError:
        pass
