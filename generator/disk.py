"""The filesystem: reading a site's sources and writing its output, safely (SPEC section 7).

This is the only module that walks folders or writes files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .diagnostics import BuildError, Diagnostic, UsageError, error

MANIFEST = ".newsbite-manifest.json"
_TEMP_MARK = ".newsbite-tmp-"
# Editor droppings and hidden files are never content.
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak")


@dataclass(frozen=True, slots=True)
class SiteSources:
    """Everything a build reads: paths are relative to the site folder, with '/'."""

    config_text: str | None
    markdown: tuple[tuple[str, str], ...]
    assets: tuple[str, ...]
    static: tuple[tuple[str, Path], ...]
    problems: tuple[Diagnostic, ...] = ()


@dataclass(slots=True)
class WriteReport:
    """What a write changed on disk."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES)


def _walk(root: Path) -> list[Path]:
    """Return every file below ``root`` (sorted, hidden names skipped, symlinked folders not followed)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _ignored(d))
        found.extend(Path(folder) / f for f in files if not _ignored(f))
    return sorted(found)


def scan_site(site_dir: Path, static_dirs: Iterable[Path]) -> SiteSources:
    """Return the site's settings text, Markdown sources, content assets and static files."""
    config_file = site_dir / "site.yaml"
    problems: list[Diagnostic] = []
    config_text = _read_text(config_file, "site.yaml", problems) if config_file.is_file() else None
    markdown: list[tuple[str, str]] = []
    assets: list[str] = []
    content = site_dir / "content"
    for path in _walk(content) if content.is_dir() else []:
        rel = path.relative_to(site_dir).as_posix()
        if path.suffix.lower() in (".md", ".markdown"):
            text = _read_text(path, rel, problems)
            if text is not None:
                markdown.append((rel, text))
        else:
            assets.append(rel)
    static: dict[str, Path] = {}
    for folder in static_dirs:  # lowest priority first, so the site's own files win
        for path in _walk(folder) if folder.is_dir() else []:
            static[path.relative_to(folder).as_posix()] = path
    return SiteSources(config_text, tuple(markdown), tuple(assets), tuple(sorted(static.items())), tuple(problems))


def _read_text(path: Path, rel: str, problems: list[Diagnostic]) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(error(rel, line, "file is not valid UTF-8 text"))
        return None


def read_text(path: Path) -> str:
    """Return a file's text (used by `new` and the dev server)."""
    return path.read_text(encoding="utf-8")


def check_output_dir(site_dir: Path, out_dir: Path, force: bool) -> None:
    """Refuse output folders where a build could destroy sources or someone else's files."""
    site = site_dir.resolve()
    out = out_dir.resolve()
    if out == site or site.is_relative_to(out):
        raise UsageError(f"refusing to build into {out_dir}: it holds the site itself")
    for sources in ("content", "layouts"):
        if out.is_relative_to(site / sources):
            # The next build would read its own output back in as content or templates.
            raise UsageError(f"refusing to build into {out_dir}: it is inside the site's {sources}/ folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"refusing to build into {out_dir}: it is a file, not a folder")
    if not out.exists():
        return
    for name in ("content", "layouts", "site.yaml"):
        if (out / name).exists():
            raise UsageError(f"refusing to build into {out_dir}: it holds {name}, so it looks like a site's sources")
    if not force and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise UsageError(
            f"refusing to build into {out_dir}: it is not empty and was not made by newsbite (use --force to allow it)")


def _contained(out: Path, rel: str) -> Path:
    """Return the target file for ``rel``, raising if it would land outside the output folder."""
    target = (out / rel).resolve()
    if not target.is_relative_to(out) or target == out:
        raise BuildError([error("content", 1, f"refusing to write outside the output folder: {rel}")])
    return target


def write_site(out_dir: Path, files: dict[str, bytes], copies: dict[str, Path]) -> WriteReport:
    """Bring the output folder to exactly these files, writing only what changed.

    Each file is replaced atomically; files listed in the previous manifest but not planned now are
    removed; anything else (``.git``, ``CNAME``) is left alone.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir.resolve()
    report = WriteReport()
    planned = set(files) | set(copies)
    for rel in sorted(files):
        _put(out, rel, report, data=files[rel])
    for rel in sorted(copies):
        _put(out, rel, report, source=copies[rel])
    old = _read_manifest(out)
    for rel in sorted(old - planned):
        target = _contained(out, rel)
        if target.is_file():
            target.unlink()
            report.removed.append(rel)
            _remove_empty_parents(target.parent, out)
    manifest = json.dumps(sorted(planned), indent=0).encode("utf-8")
    if old != planned or not (out / MANIFEST).is_file():  # an unchanged site touches no file at all
        _atomic_write(out / MANIFEST, manifest)
    _sweep_temp_files(out)
    return report


def _put(out: Path, rel: str, report: WriteReport, data: bytes | None = None, source: Path | None = None) -> None:
    target = _contained(out, rel)
    if data is None and source is not None:
        if target.is_file() and target.stat().st_size == source.stat().st_size and _same_bytes(target, source):
            report.unchanged += 1
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        _contained(out, rel)  # the parent chain may hold a symlink created meanwhile
        temp = target.with_name(f"{_TEMP_MARK}{os.getpid()}-{target.name}")
        shutil.copyfile(source, temp)
        os.replace(temp, target)
        report.written.append(rel)
        return
    assert data is not None
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        report.unchanged += 1
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, data)
    report.written.append(rel)


def _same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 16)
            if chunk != fb.read(1 << 16):
                return False
            if not chunk:
                return True


def _atomic_write(target: Path, data: bytes) -> None:
    temp = target.with_name(f"{_TEMP_MARK}{os.getpid()}-{target.name}")
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, target)


def _read_manifest(out: Path) -> set[str]:
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _sweep_temp_files(out: Path) -> None:
    # A build killed mid-write can leave a temporary file; the real file was never half-written.
    for folder, _dirs, names in os.walk(out):
        for name in names:
            if name.startswith(_TEMP_MARK):
                Path(folder, name).unlink(missing_ok=True)


def write_new_file(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; raise FileExistsError rather than overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)


# The dev server's side of the filesystem (issue 3): a private output folder and contained reads.

def make_serve_dir() -> Path:
    """Create and return a fresh, private output folder under the system temp folder."""
    return Path(tempfile.mkdtemp(prefix="newsbite-serve-"))


def remove_serve_dir(path: Path) -> None:
    """Remove a folder made by ``make_serve_dir`` (and only such a folder)."""
    if path.name.startswith("newsbite-serve-") and path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def find_served(out_dir: Path, rel: str) -> tuple[str, Path | None]:
    """Return ("file" | "dir", path) for ``rel`` inside the output folder, or ("missing", None).

    ``rel`` is already normalised by the server; resolving symlinks here as well means nothing outside
    the output folder is ever served, whatever a link inside it points at (SPEC section 7).
    """
    root = out_dir.resolve()
    try:
        target = (root / rel).resolve() if rel else root
    except (OSError, RuntimeError, ValueError):  # symlink loops, NUL bytes
        return "missing", None
    if target != root and not target.is_relative_to(root):
        return "missing", None
    if target.is_file():
        return "file", target
    if target.is_dir():
        return "dir", target
    return "missing", None


def read_served(path: Path) -> bytes | None:
    """Return a served file's bytes, or None if it vanished or cannot be read meanwhile."""
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class OutputTree:
    """A built output folder as `newsbite check` sees it: every file, and the HTML pages' text."""

    files: frozenset[str]
    pages: dict[str, str]


def read_output(out_dir: Path) -> OutputTree:
    """Return every file below ``out_dir`` (relative, '/'-separated) and the text of its HTML pages."""
    files: set[str] = set()
    pages: dict[str, str] = {}
    for folder, _dirs, names in os.walk(out_dir):
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(out_dir).as_posix()
            files.add(rel)
            if name.endswith((".html", ".htm")):
                pages[rel] = path.read_bytes().decode("utf-8", errors="replace")
    return OutputTree(frozenset(files), pages)


def scratch_folder() -> Path:
    """Return a new empty folder in the system's temporary area (for `newsbite check`)."""
    return Path(tempfile.mkdtemp(prefix="newsbite-check-"))


def remove_scratch_folder(folder: Path) -> None:
    """Remove a folder made by scratch_folder, with everything in it."""
    if folder.name.startswith("newsbite-check-"):
        shutil.rmtree(folder, ignore_errors=True)
