"""The output folder, written safely: staging, atomic publish, manifest and prune; the cache's files (SPEC section 7).

With content.files, the only modules that touch the filesystem.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from generator.diagnostics import BuildError, UsageError, error

log = logging.getLogger(__name__)

_TEMP_MARK = ".newsbite-tmp-"

MANIFEST = ".newsbite-manifest.json"


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
    # A first build killed before publishing leaves only its own staging folder and mark.
    if not force and not (out / MANIFEST).is_file() and any(p.name not in (STAGING, _NEW_MARK) for p in out.iterdir()):
        raise UsageError(
            f"refusing to build into {out_dir}: it is not empty and was not made by newsbite (use --force to allow it)")


def _contained(out: Path, rel: str) -> Path:
    """Return the target file for ``rel``, raising if it would land outside the output folder."""
    target = (out / rel).resolve()
    if not target.is_relative_to(out) or target == out:
        raise BuildError([error((out / rel).as_posix(), 1, "refusing to write outside the output folder "
                                "(a link there leads out)")])
    return target


def _same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 16)
            if chunk != fb.read(1 << 16):
                return False
            if not chunk:
                return True


def _atomic_write(target: Path, data: bytes) -> None:
    _atomic_write_from(target, lambda handle: handle.write(data))


def _atomic_write_from(target: Path, write: Callable[[BinaryIO], object]) -> None:
    temp = target.with_name(f"{_TEMP_MARK}{os.getpid()}-{target.name}")
    with open(temp, "wb") as handle:
        write(handle)
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


# The dev server's side of the filesystem (issue 3): a private output folder and contained reads.

def make_serve_dir() -> Path:
    """Create and return a fresh, private output folder under the system temp folder."""
    return Path(tempfile.mkdtemp(prefix="newsbite-serve-"))


# A script removing a folder: run apart from the dev server, so Ctrl-C does not wait for it.
_REMOVE_FOLDER = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def remove_serve_dir(path: Path) -> None:
    """Remove a folder made by ``make_serve_dir`` (and only such a folder).

    It is renamed away at once and its files removed by a process of its own, which outlives the
    server's: deleting a 3,000-article site's 7,000 files took the server a second or more to stop.
    """
    if not (path.name.startswith("newsbite-serve-") and path.is_dir()):
        return
    trash = path.with_name(path.name + ".removing")
    try:
        os.rename(path, trash)
        subprocess.Popen([sys.executable, "-S", "-c", _REMOVE_FOLDER, str(trash)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:  # no rename or no process to spare: remove it here
        shutil.rmtree(trash if trash.is_dir() else path, ignore_errors=True)


def find_served(out_dir: Path, rel: str) -> tuple[str, Path | None]:
    """Return ("file" | "dir", path) for ``rel`` inside the output folder, or ("missing", None).

    ``rel`` is already normalised by the server; resolving symlinks here as well means nothing outside
    the output folder is ever served, whatever a link inside it points at (SPEC section 7). Strings
    and ``os.path``, not ``pathlib``: the dev server asks this for every request it answers.
    """
    root = os.path.realpath(out_dir)
    try:
        target = os.path.realpath(os.path.join(root, rel)) if rel else root
        mode = os.stat(target).st_mode
    except (OSError, ValueError):  # missing, symlink loops, NUL bytes
        return "missing", None
    if target != root and not target.startswith(os.path.join(root, "")):
        return "missing", None
    if stat.S_ISREG(mode):
        return "file", Path(target)
    if stat.S_ISDIR(mode):
        return "dir", Path(target)
    return "missing", None


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


# Staged output (issue 5). Pages are rendered straight into a staging folder inside the output
# (same filesystem, so publishing is a rename) and memory stays flat however large the site is.
# Nothing replaces a published file until every page has rendered; a failed build removes the
# staging folder and leaves the previous output byte-identical.

STAGING = ".newsbite-staging"
# Marks an output folder made by the build in progress (removed when the build publishes).
_NEW_MARK = ".newsbite-new"


@dataclass(frozen=True, slots=True)
class CommitReport:
    """What publishing the staged files changed, with the stat of each file written."""

    written: list[str]
    removed: list[str]
    stats: dict[str, tuple[int, int]]


def open_staging(out_dir: Path) -> Path:
    """Return a fresh, empty staging folder inside ``out_dir``; clear what a killed build left."""
    if not out_dir.exists():
        # Made only for this build: `discard_staging` removes it again if the build fails.
        out_dir.mkdir(parents=True)
        (out_dir / _NEW_MARK).touch()
    stage = out_dir / STAGING
    _made_folders.clear()
    if stage.exists() or stage.is_symlink():
        _remove_tree(stage)
        _sweep_temp_files(out_dir.resolve())
    stage.mkdir()
    return stage


def made_by_this_build(out_dir: Path) -> bool:
    """Return whether ``open_staging`` made the output folder for the build in progress (so it holds no page yet)."""
    return (out_dir / _NEW_MARK).is_file()


class PendingFolders:
    """Folders being made in a staging folder by a helper process (``make_folders_meanwhile``)."""

    def __init__(self, helper: subprocess.Popen[bytes], listing: Path, folders: list[str]) -> None:
        self._helper: subprocess.Popen[bytes] | None = helper
        self._listing = listing
        self._folders = folders

    def settle(self) -> None:
        """If the helper is done, take its folders as made (``wait``), so pages written next need
        not make them; else leave it working (pages make their folders as usual meanwhile)."""
        if self._helper is not None and self._helper.poll() is not None:
            self.wait()

    def wait(self) -> None:
        """Wait for the helper (before the staging folder is published or removed)."""
        if self._helper is None:
            return
        status = self._helper.wait()
        self._helper = None
        self._listing.unlink(missing_ok=True)
        if status == 0:
            _made_folders.update(self._folders)


# The helper: a bare interpreter (no site packages, no module of ours) making the folders listed,
# NUL-separated, in the file named by its argument.
# It stops as soon as the build's process is gone (its parent changes), killed or not.
_MAKE_FOLDERS = ("import os, sys\nparent = int(sys.argv[2])\n"
                 "for f in open(sys.argv[1], 'rb').read().split(b'\\0'):\n"
                 "    if os.getppid() != parent: break\n"
                 "    os.makedirs(f, exist_ok=True)")


def make_folders_meanwhile(stage: Path, files: Iterable[str]) -> PendingFolders | None:
    """Start making the folders of ``files`` (output files, relative) in ``stage``, in a helper process.

    A first build makes 10,000 folders for 10,000 articles, in system time, while the main process
    plans the pages on one core and the other idles: the helper uses that core. It is a new
    interpreter, not a fork: a fork would share this process's memory copy-on-write, and every
    page the planning then writes would be copied. Call ``wait()`` before publishing or removing
    the staging folder. None when the helper cannot start: the pages make their folders as they
    are written, as they do for any folder the helper has not made yet.
    """
    folders: set[str] = set()
    for rel in files:
        try:
            folders.add(os.path.dirname(os.path.join(stage, _plain_relative(rel))))
        except BuildError:
            continue  # left for the page to report
    # The list is a temporary file in the staging folder: removed once the helper is done, and
    # swept with the staging folder if the build is killed first.
    listing = stage / f"{_TEMP_MARK}folders"
    ordered = sorted(folders)
    listing.write_bytes(b"\0".join(os.fsencode(f) for f in ordered))
    try:
        helper = subprocess.Popen([sys.executable, "-S", "-c", _MAKE_FOLDERS, os.fsdecode(listing), str(os.getpid())],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        listing.unlink()
        return None
    return PendingFolders(helper, listing, ordered)


def discard_staging(out_dir: Path, pending: PendingFolders | None = None) -> None:
    """Remove the staging folder (after a failed build), and the output folder if this build made it."""
    if pending is not None:
        pending.wait()  # the helper must not make folders in what is removed
    _remove_tree(out_dir / STAGING)
    if (out_dir / _NEW_MARK).is_file():
        (out_dir / _NEW_MARK).unlink()
        try:
            out_dir.rmdir()
        except OSError:
            pass


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def stage_bytes(stage: Path, rel: str, data: bytes) -> tuple[int, int]:
    """Write one rendered file into the staging folder; return its (size, mtime_ns).

    The staging folder is new and holds no symlinks, so checking ``rel`` itself is enough here;
    its final place in the output is checked when the staged tree is published.
    """
    target = os.path.join(stage, _plain_relative(rel))
    folder = os.path.dirname(target)
    if folder not in _made_folders:  # most pages live in a folder of their own: make it, then write
        if os.path.dirname(folder) in _made_folders:  # known to exist: no need for makedirs' look first
            try:
                os.mkdir(folder)
            except FileExistsError:  # made by another worker, or by the folder helper
                pass
        else:
            os.makedirs(folder, exist_ok=True)
        _made_folders.add(folder)
    # os.open rather than open(): no buffer object, and none of the checks a Python file makes
    # when it opens (a stat and a terminal test): two system calls fewer for each of 12,000 pages.
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
        st = os.fstat(handle)  # the time of the write; closing does not change it
    finally:
        os.close(handle)
    return st.st_size, st.st_mtime_ns


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Folders made in staging folders by this process (each build's staging folder is new, so an
# entry can only ever be stale across builds if the name repeats: then makedirs runs again).
_made_folders: set[str] = set()


def _plain_relative(rel: str) -> str:
    if not rel or rel.startswith("/") or "\\" in rel or posixpath.normpath(rel) != rel or rel.startswith(".."):
        raise BuildError([error("content", 1, f"refusing to write outside the output folder: {rel}")])
    return rel


def manifest_exists(out_dir: Path) -> bool:
    """Return whether the output folder holds the manifest of the files a build wrote there."""
    return (out_dir / MANIFEST).is_file()


def stat_matches(out_dir: Path, rel: str, size: int, mtime_ns: int) -> bool:
    """Return whether the output file is still the regular file the last build wrote."""
    try:
        # A string join: a Path per output file cost more than the lstat itself (12,000 a build).
        st = os.lstat(f"{out_dir}{os.sep}{rel}")
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == size and st.st_mtime_ns == mtime_ns


def stat_if_holding(out_dir: Path, rel: str, data: bytes) -> tuple[int, int] | None:
    """Return (size, mtime_ns) if the output file already holds exactly ``data``, else None.

    Used when no record of the last build says what the file holds; it reads the file.
    """
    path = out_dir / rel
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and st.st_size == len(data) and path.read_bytes() == data:
            return st.st_size, st.st_mtime_ns
    except (OSError, ValueError):
        pass
    return None


def stat_if_copy(out_dir: Path, rel: str, source: Path) -> tuple[int, int] | None:
    """Return (size, mtime_ns) if the output file already holds the bytes of ``source``, else None."""
    path = out_dir / rel
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and st.st_size == source.stat().st_size and _same_bytes(path, source):
            return st.st_size, st.st_mtime_ns
    except (OSError, ValueError):
        pass
    return None


def read_output_file(out_dir: Path, rel: str) -> bytes:
    """Return the bytes of a file in the staging folder, or else in the output folder."""
    # Opened without a look first, and read in one call: the search index reads every page (a
    # third of the time pathlib's stat, open and read take).
    try:
        return _read_whole(os.path.join(out_dir, STAGING, rel))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return _read_whole(os.path.join(out_dir, rel))


def _read_whole(path: str) -> bytes:
    handle = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1)  # one byte more: a file that grew is read to its end below
        if len(data) == size:
            return data
        pieces = [data]
        while piece := os.read(handle, 1 << 20):
            pieces.append(piece)
        return b"".join(pieces)
    finally:
        os.close(handle)


def commit_staged(out_dir: Path, staged: Iterable[str], copies: dict[str, Path], planned: set[str]) -> CommitReport:
    """Publish the staged tree and the copies; prune files of the last build no longer planned.

    The staged tree is merged into the output: a folder the output lacks moves in whole (one
    rename for a first build), an existing file is replaced atomically. Every target is checked
    before anything moves, so a path escaping the output (through ``..`` or a symlink) fails the
    build with the old output intact.
    """
    out = out_dir.resolve()
    stage = out / STAGING
    moves: list[tuple[str, Path]] = []
    if stage.is_dir():
        _plan_merge(stage, out, "", moves)
    copying = [(copies[rel], _contained(out, rel), rel) for rel in sorted(copies)]
    listed = _read_manifest(out)
    pruning = _prunable(out, listed - planned)
    # Everything is checked above; only now does anything of the new output go live.
    for source, target in moves:
        os.replace(source, target)
    stats: dict[str, tuple[int, int]] = {}
    for source_path, target, rel in copying:
        target.parent.mkdir(parents=True, exist_ok=True)
        _contained(out, rel)  # the parent chain may hold a symlink created meanwhile
        temp = target.with_name(f"{_TEMP_MARK}{os.getpid()}-{target.name}")
        shutil.copyfile(source_path, temp)
        os.replace(temp, target)
        st = os.lstat(target)
        stats[rel] = (st.st_size, st.st_mtime_ns)
    removed: list[str] = []
    for rel, target in pruning:
        if target.is_symlink() or target.is_file():  # a link goes itself: its target is never touched
            target.unlink()
            removed.append(rel)
            _remove_empty_parents(target.parent, out)
    if listed != planned or not (out / MANIFEST).is_file():  # most rebuilds plan the same files
        _atomic_write(out / MANIFEST, json.dumps(sorted(planned), indent=0).encode("utf-8"))
    _remove_tree(stage)
    (out / _NEW_MARK).unlink(missing_ok=True)
    staged_list = sorted(staged)
    log.debug("published %d staged files and %d copies, removed %d", len(staged_list), len(copying), len(removed))
    return CommitReport(staged_list + [rel for _s, _t, rel in copying], removed, stats)


def _prunable(out: Path, stale: set[str]) -> list[tuple[str, Path]]:
    """Return the files of the last build to remove, as (output path, file), leaving alone any entry
    of the manifest whose folder lies outside the output (the manifest is a file anyone can edit)."""
    found: list[tuple[str, Path]] = []
    for rel in sorted(stale):
        target = out / rel
        if ".." in rel.split("/") or not target.parent.resolve().is_relative_to(out) or target.parent == out.parent:
            log.warning("not removing %s: the manifest names a file outside the output folder", rel)
            continue
        found.append((rel, Path(target.parent.resolve(), target.name)))
    return found


def _plan_merge(source: Path, target: Path, prefix: str, moves: list[tuple[str, Path]]) -> None:
    """List the renames that merge the staged folder ``source`` into the output folder ``target``."""
    with os.scandir(source) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        place = target / entry.name
        try:
            st = os.lstat(place)
        except FileNotFoundError:
            moves.append((entry.path, place))
            continue
        if entry.is_dir(follow_symlinks=False):
            if not stat.S_ISDIR(st.st_mode):  # a symlink (maybe leading outside) or a file
                raise BuildError([error(place.as_posix(), 1, "refusing to write outside the output folder "
                                        "(a link there leads out)")])
            _plan_merge(Path(entry.path), place, rel + "/", moves)
        elif stat.S_ISDIR(st.st_mode):
            raise BuildError([error(place.as_posix(), 1, "cannot write this file: the output holds a folder of that name")])
        else:
            moves.append((entry.path, place))  # replacing a file, or a symlink itself, stays inside


# The build cache (issue 5) lives in <site>/.newsbite-cache/, the one place outside the output a
# build writes. Its files are only ever a speed-up: one that is missing, unreadable or corrupt
# reads as None and is rebuilt.

def read_cache_file(path: Path) -> bytes | None:
    """Return a cache file's bytes, or None when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_cache_file(path: Path, data: bytes) -> None:
    """Replace a cache file atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, data)


def write_cache_file_from(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace a cache file atomically with what ``write`` writes into it, as it writes it (a large file
    need not be held whole in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_from(path, write)


def remove_cache_file(path: Path) -> None:
    """Remove a cache file if it exists."""
    path.unlink(missing_ok=True)

