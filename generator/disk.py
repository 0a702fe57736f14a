"""The filesystem: reading a site's sources and writing its output, safely (SPEC section 7).

This is the only module that walks folders or writes files.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Mapping

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
    # With ``read_markdown=False``: (path, digest of its bytes) instead of the texts in ``markdown``.
    markdown_digests: tuple[tuple[str, str], ...] = ()
    # ... and each file's signature, to pass back as ``known`` to the next scan.
    markdown_signatures: tuple[tuple[str, FileSignature], ...] = ()


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


def _walk_names(root: Path) -> list[str]:
    """Return the '/'-separated path of every file below ``root``, in ``_walk``'s order, with less overhead."""
    found: list[str] = []
    base = len(str(root)) + 1
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _ignored(d))
        prefix = folder[base:].replace(os.sep, "/")
        found.extend(f"{prefix}/{f}" if prefix else f for f in files if not _ignored(f))
    return sorted(found, key=lambda rel: rel.split("/"))


# A file's identity for the scan: (size, mtime_ns, ctime_ns, inode) and the digest of its bytes.
FileSignature = tuple[int, int, int, int, str]
# The signature of a file the scan listed but did not look at.
UNREAD: FileSignature = (0, 0, 0, 0, "")
# Files changed this recently are read even when their signature matches (the "racy" case: two
# writes within one tick of the filesystem's clock leave equal times).
_RACY_NS = 2_000_000_000


def scan_site(
    site_dir: Path, static_dirs: Iterable[Path], read_markdown: bool = True,
    known: Mapping[str, FileSignature] | None = None, hash_markdown: bool = True,
) -> SiteSources:
    """Return the site's settings text, Markdown sources, content assets and static files.

    Without ``read_markdown`` only the digest of each Markdown file is kept (``markdown_digests``),
    so a large site's texts are never all in memory at once; ``read_markdown_file`` reads one.
    A file whose size, times and inode equal its entry in ``known`` (the last scan's
    ``markdown_signatures``) and that did not change in the last two seconds is not read again:
    its ctime changes with any write, and no tool can set that one back. Without ``hash_markdown``
    no other Markdown file is read either: its digest is left empty, for whoever reads it next
    (a first build reads every file once, in the workers that parse them, instead of twice), and
    a file ``known`` does not hold is not even looked at: its signature is ``UNREAD``, and
    ``read_markdown_signed`` gives the whole of it.
    """
    config_file = site_dir / "site.yaml"
    problems: list[Diagnostic] = []
    config_text = _read_text(config_file, "site.yaml", problems) if config_file.is_file() else None
    markdown: list[tuple[str, str]] = []
    signatures: list[tuple[str, FileSignature]] = []
    assets: list[str] = []
    content = site_dir / "content"
    now = time.time_ns()
    for name in _walk_names(content) if content.is_dir() else []:
        rel = "content/" + name
        if not rel.lower().endswith((".md", ".markdown")):
            assets.append(rel)
            continue
        old = known.get(rel) if known is not None and not read_markdown else None
        if old is None and not hash_markdown and not read_markdown:
            signatures.append((rel, UNREAD))  # its reader takes the signature as it opens the file
            continue
        path = content / name
        st = os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if old is not None and old[:4] == stamp and now - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
            signatures.append((rel, old))
            continue
        if not hash_markdown and not read_markdown:
            signatures.append((rel, (*stamp, "")))
            continue
        text, digest = _read_markdown(path, rel, problems)
        if text is not None and read_markdown:
            markdown.append((rel, text))
        elif text is not None:
            signatures.append((rel, (*stamp, digest)))
    static: dict[str, Path] = {}
    for folder in static_dirs:  # lowest priority first, so the site's own files win
        for path in _walk(folder) if folder.is_dir() else []:
            static[path.relative_to(folder).as_posix()] = path
    return SiteSources(config_text, tuple(markdown), tuple(assets), tuple(sorted(static.items())), tuple(problems),
                       tuple((rel, sig[4]) for rel, sig in signatures), tuple(signatures))


def _read_markdown(
    path: Path | str, rel: str, problems: list[Diagnostic], stamp: list[tuple[int, int, int, int]] | None = None,
) -> tuple[str | None, str]:
    data = _read_bytes(path, stamp)
    text = _decode(data, rel, problems)
    return text, hashlib.blake2b(data, digest_size=16).hexdigest()


# Larger than nearly every Markdown file, so one read takes it whole.
_READ_SIZE = 1 << 16


def _read_bytes(path: Path | str, stamp: list[tuple[int, int, int, int]] | None = None) -> bytes:
    """Return a file's bytes, as ``Path.read_bytes`` does at a third of its cost (issue 5: it took 11
    microseconds an article, mostly making and closing a buffered file object).

    With ``stamp``, also append the file's (size, mtime_ns, ctime_ns, inode) as it was opened: a
    write while it is read leaves a newer stamp on the file, so the next scan reads it again.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # no newline translation on Windows
    try:
        if stamp is not None:
            st = os.fstat(fd)
            stamp.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        parts = []
        while chunk := os.read(fd, _READ_SIZE):
            parts.append(chunk)
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_markdown_signed(site_dir: Path, rel: str) -> tuple[str | None, FileSignature, list[Diagnostic]]:
    """Return a Markdown file's text (None if it is not UTF-8), its signature as a scan would record
    it (``UNREAD`` if it cannot be read) and any problem."""
    problems: list[Diagnostic] = []
    stamp: list[tuple[int, int, int, int]] = []
    try:
        text, digest = _read_markdown(os.path.join(site_dir, rel), rel, problems, stamp)
    except OSError as exc:
        return None, UNREAD, [error(rel, 1, f"cannot read the file: {exc.strerror}")]
    return text, (*stamp[0], digest), problems


def read_markdown_file(site_dir: Path, rel: str) -> tuple[str | None, str, list[Diagnostic]]:
    """Return a Markdown file's text (None if it is not UTF-8), the digest of its bytes and any problem."""
    problems: list[Diagnostic] = []
    try:
        text, digest = _read_markdown(os.path.join(site_dir, rel), rel, problems)
    except OSError as exc:
        return None, "", [error(rel, 1, f"cannot read the file: {exc.strerror}")]
    return text, digest, problems


def _read_text(path: Path, rel: str, problems: list[Diagnostic]) -> str | None:
    return _decode(path.read_bytes(), rel, problems)


def _decode(data: bytes, rel: str, problems: list[Diagnostic]) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(error(rel, line, "file is not valid UTF-8 text"))
        return None
    # Searching the bytes is cheap; searching text with one curly quote in it is not (issue 5:
    # the search took 8 microseconds a file, twice per Markdown file in a build). A search for
    # one byte is cheaper still (5 microseconds for two bytes, 0.2 for one).
    return text.replace("\r\n", "\n") if b"\r" in data and b"\r\n" in data else text


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
    # A first build killed before publishing leaves only its own staging folder and mark.
    if not force and not (out / MANIFEST).is_file() and any(p.name not in (STAGING, _NEW_MARK) for p in out.iterdir()):
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
_MAKE_FOLDERS = "import os, sys\nfor f in open(sys.argv[1], 'rb').read().split(b'\\0'): os.makedirs(f, exist_ok=True)"


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
        helper = subprocess.Popen([sys.executable, "-S", "-c", _MAKE_FOLDERS, os.fsdecode(listing)],
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


def stat_matches(out_dir: Path, rel: str, size: int, mtime_ns: int) -> bool:
    """Return whether the output file is still the regular file the last build wrote."""
    try:
        st = os.lstat(out_dir / rel)
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
    staged = out_dir / STAGING / rel
    return staged.read_bytes() if staged.is_file() else (out_dir / rel).read_bytes()


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
    for rel in sorted(_read_manifest(out) - planned):
        target = _contained(out, rel)
        if target.is_file():
            target.unlink()
            removed.append(rel)
            _remove_empty_parents(target.parent, out)
    _atomic_write(out / MANIFEST, json.dumps(sorted(planned), indent=0).encode("utf-8"))
    _remove_tree(stage)
    (out / _NEW_MARK).unlink(missing_ok=True)
    return CommitReport(sorted(staged) + [rel for _s, _t, rel in copying], removed, stats)


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
                raise BuildError([error("content", 1, f"refusing to write outside the output folder: {rel}/")])
            _plan_merge(Path(entry.path), place, rel + "/", moves)
        elif stat.S_ISDIR(st.st_mode):
            raise BuildError([error("content", 1, f"cannot write {rel}: the output holds a folder of that name")])
        else:
            moves.append((entry.path, place))  # replacing a file, or a symlink itself, stays inside


def file_digest(path: Path) -> str:
    """Return the BLAKE2b digest of a file's bytes (static files and content assets)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def file_stat(path: Path) -> tuple[int, int]:
    """Return (size, mtime in ns) of a file."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


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


def write_cache_stream(path: Path, header_size: int, fill: Callable[[BinaryIO], bytes]) -> None:
    """Replace a cache file atomically with what ``fill`` writes, after the header it returns.

    A large payload is written as it is made, never held in memory whole; its header (a
    checksum of it) goes into the ``header_size`` bytes kept free at the start.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{_TEMP_MARK}{os.getpid()}-{path.name}")
    try:
        with open(temp, "wb") as handle:
            handle.write(bytes(header_size))
            header = fill(handle)
            assert len(header) == header_size
            handle.seek(0)
            handle.write(header)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def package_sources(folder: Path) -> list[tuple[str, bytes]]:
    """Return the generator's own Python files with their bytes, sorted (for the code digest)."""
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.py"))]


def remove_cache_file(path: Path) -> None:
    """Remove a cache file if it exists."""
    path.unlink(missing_ok=True)
