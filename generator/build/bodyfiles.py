"""Rendered bodies in files of the build cache: written where they are rendered, read where a page prints one.

Compressed, a large site's bodies are still most of a build's memory (290 MB at 100,000 articles,
issue 10). Sent back to the parent and held there, they cost that much in it, and again in every
render worker whose pages touched them (copy-on-write copies the pages their reference counts
live on). So the process that renders a batch of bodies appends them to a file of its own in
``<cache>/bodies/``, and only their ``BodyLocation`` travels and is kept; a page worker reads the
one body its page prints, from the page cache.

A body file is never changed once written: a build's files are named for it (its token) and the
process that wrote them. Files no record refers to any more are removed when the cache is saved
(``sweep``); a damaged or missing file reads as a cache miss (``intact``), so the body is
rendered again, never printed wrong.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from generator.model.body import BodyLocation

log = logging.getLogger(__name__)

_SUFFIX = ".lz4"


@dataclass(frozen=True, slots=True)
class BodyFolder:
    """Where one build writes bodies: the cache's folder of body files, and the name part no other build shares."""

    path: Path
    token: str

    @classmethod
    def for_build(cls, path: Path) -> BodyFolder:
        """Return a folder with a fresh token, for one build."""
        # Absolute: the locations are kept in the cache, and read by whichever process prints the page.
        return cls(path.absolute(), secrets.token_hex(8))

    def file_of(self, pid: int) -> Path:
        """Return the body file the process ``pid`` writes for this build."""
        return self.path / f"{self.token}-{pid}{_SUFFIX}"

    def owns(self, name: str) -> bool:
        """Return whether this build wrote the body file ``name``."""
        return name.startswith(self.token + "-")


# This process's body file: (the folder, the process that opened it, its path, its descriptor, its size).
# A forked worker inherits its parent's and opens one of its own on first use.
_writer: tuple[BodyFolder, int, str, int, int] | None = None


def append_bodies(folder: BodyFolder, blobs: Sequence[bytes]) -> list[BodyLocation]:
    """Append the compressed bodies to this process's file of ``folder`` in one write; return where each is."""
    global _writer
    if not blobs:
        return []
    pid = os.getpid()
    if _writer is None or _writer[0] != folder or _writer[1] != pid:
        _close_writer()
        folder.path.mkdir(parents=True, exist_ok=True)
        name = folder.file_of(pid)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        _writer = (folder, pid, str(name), fd, os.fstat(fd).st_size)
    _folder, _pid, file, fd, size = _writer
    locations = []
    offset = size
    for blob in blobs:
        locations.append(BodyLocation(file, offset, len(blob), zlib.crc32(blob)))
        offset += len(blob)
    _write_all(fd, b"".join(blobs))
    _writer = (folder, pid, file, fd, offset)
    return locations


def _close_writer() -> None:
    global _writer
    if _writer is not None and _writer[1] == os.getpid():
        os.close(_writer[3])
    _writer = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# Descriptors of the body files this process has read, by path: a page worker reads thousands of bodies
# from the same few files. The dev server reads from several threads (pages made on request while a
# build renders), so one lock keeps a descriptor from closing under a read.
_readers: dict[str, int] = {}
_readers_lock = threading.Lock()
_MAX_READERS = 64


def _fresh_lock() -> None:
    # A worker forked while another thread held the lock would wait for it for ever.
    global _readers_lock
    _readers_lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock)


def read_body(location: BodyLocation) -> bytes:
    """Return the compressed body at ``location``; raise OSError when its file is gone or damaged."""
    with _readers_lock:
        fd = _readers.get(location.file)
        if fd is None:
            if len(_readers) >= _MAX_READERS:  # a long-lived dev server meets many files over its builds
                for old in _readers.values():
                    os.close(old)
                _readers.clear()
            fd = _readers[location.file] = os.open(location.file, os.O_RDONLY | os.O_CLOEXEC)
        data = os.pread(fd, location.size, location.offset)
    if len(data) != location.size or zlib.crc32(data) != location.crc:
        raise OSError(f"the build cache's body file {location.file} is damaged: delete .newsbite-cache and build again")
    return data


# A body file's size, modification time and inode: while they are as when its bodies were last
# found whole, they still are (a file is never changed once written).
FileStamp = tuple[int, int, int]


def stamp_of(file: str) -> FileStamp | None:
    """Return the stamp of a body file, or None when it is gone."""
    try:
        st = os.stat(file)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def intact(locations: Iterable[BodyLocation], whole: dict[str, FileStamp] | None = None) -> set[BodyLocation]:
    """Return the locations whose bytes are all there and unchanged.

    ``whole`` holds the stamps of files known to hold their bodies as written: a file still so
    stamped is trusted without reading it; any other file is read, body by body, and a file found
    whole is added to ``whole`` (issue 10: reading every body of a large site cost 0.1 s a build).
    """
    by_file: dict[str, list[BodyLocation]] = {}
    for location in locations:
        by_file.setdefault(location.file, []).append(location)
    good: set[BodyLocation] = set()
    for file, found in by_file.items():
        stamp = stamp_of(file)
        if stamp is None:
            continue
        if whole is not None and whole.get(file) == stamp:
            good.update(loc for loc in found if loc.offset + loc.size <= stamp[0])
            continue
        try:
            fd = os.open(file, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            checked = {loc for loc in sorted(found, key=lambda loc: loc.offset)
                       if zlib.crc32(os.pread(fd, loc.size, loc.offset)) == loc.crc}
        finally:
            os.close(fd)
        good.update(checked)
        if whole is None:
            continue
        if len(checked) == len(set(found)) and stamp_of(file) == stamp:
            whole[file] = stamp
        else:
            whole.pop(file, None)
    return good


def sweep(folder: BodyFolder, existing: set[str], referenced: set[str]) -> None:
    """Remove the body files no record refers to: those that were there when the cache was read (``existing``)
    and those this build wrote. Files another process wrote meanwhile are left alone."""
    try:
        names = [entry.name for entry in os.scandir(folder.path) if entry.name.endswith(_SUFFIX)]
    except OSError:
        return
    for name in names:
        path = str(folder.path / name)
        if path not in referenced and (name in existing or folder.owns(name)):
            if _writer is not None and _writer[2] == path:
                _close_writer()
            log.debug("removing the unused body file %s", name)
            Path(path).unlink(missing_ok=True)


def existing_files(path: Path) -> set[str]:
    """Return the names of the body files in ``path`` (none if it does not exist)."""
    try:
        return {entry.name for entry in os.scandir(path) if entry.name.endswith(_SUFFIX)}
    except OSError:
        return set()
