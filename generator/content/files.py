"""Reading a site's sources: the scan, file signatures and digests, and new source files (SPEC section 7)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from generator.diagnostics import Diagnostic, error, warning

log = logging.getLogger(__name__)

# What the scan reads as articles.
_MARKDOWN = (".md", ".markdown")
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


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES)


def _walk(root: Path, links: list[str] | None = None) -> list[Path]:
    """Return every file below ``root``, as ``_walk_names`` lists them."""
    return [root / name for name in _walk_names(root, links)]


def _walk_names(root: Path, links: list[str] | None = None, hidden: list[str] | None = None) -> list[str]:
    """Return the '/'-separated path of every file below ``root``, sorted, hidden names skipped
    (Markdown files among them are added to ``hidden``, so the author hears why they are not built).

    Folders that are symbolic links are not followed (SPEC section 7: a link could loop, or reach
    anywhere); files that are links are listed, and added to ``links`` too, for ``link_problems``.
    """
    found: list[str] = []
    todo = [("", str(root))]
    while todo:
        prefix, folder = todo.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:  # unreadable or gone since it was listed: nothing in it to build from
            continue
        for entry in entries:
            if _ignored(entry.name):
                if hidden is not None and _hidden_markdown(entry.name):
                    hidden.append(prefix + entry.name)
                continue
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                todo.append((rel + "/", entry.path))
            elif not entry.is_symlink():
                found.append(rel)
            elif not _links_to_folder(entry):  # a link to a file, or a broken one
                found.append(rel)
                if links is not None:
                    links.append(rel)
    return sorted(found, key=lambda rel: rel.split("/"))


def _hidden_markdown(name: str) -> bool:
    # '...md' or '.draft.md' look like articles; '.#a.md' is an editor's lock file, not the author's.
    return name.lower().endswith(_MARKDOWN) and name.startswith(".") and not name.startswith(".#")


def _links_to_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link that loops: listed, so that the build names it
        return False


def link_problems(site_dir: Path, folder: Path, links: Iterable[str]) -> list[Diagnostic]:
    """Return an error for each link among ``links`` (files below ``folder``, in the site) that is
    broken or leads out of the site folder.

    A link within the site is followed, as Hugo and Zola do; one that leads out would publish a
    file the site does not hold (``/etc/passwd``), so it is refused, naming the link.
    """
    site = os.path.realpath(site_dir)
    problems: list[Diagnostic] = []
    for rel in links:
        link = folder / rel
        label = link.relative_to(site_dir).as_posix()
        target = os.path.realpath(link)
        if not os.path.isfile(target):
            problems.append(error(label, 1, "broken symbolic link: its target is missing, not a file, or links "
                                  "back to itself"))
        elif os.path.commonpath([site, target]) != site:
            problems.append(error(label, 1, f"symbolic link to {target}, outside the site folder: links are "
                                  "followed only within the site (copy the file in instead)"))
    return problems


# A file's identity for the scan: (size, mtime_ns, ctime_ns, inode) and the digest of its bytes.
FileSignature = tuple[int, int, int, int, str]
# The signature of a file the scan listed but did not look at.
UNREAD: FileSignature = (0, 0, 0, 0, "")
# Files changed this recently are read even when their signature matches (the "racy" case: two
# writes within one tick of the filesystem's clock leave equal times).
_RACY_NS = 2_000_000_000


class InputStamps(NamedTuple):
    """Every source file of a build, by name and stamp: what decides, without reading a file,
    that the sources are as the last build found them."""

    digest: str  # of each file's path, size, times and inode
    newest_ns: int  # the latest modification or change time among them (see ``_RACY_NS``)
    # The stamp (size, mtime_ns, ctime_ns, inode) of each file below content/, by its path in the
    # site ("content/..."): the scan's own, if the build goes on (``scan_site``'s ``stamps``).
    content: dict[str, tuple[int, int, int, int]]


def input_stamps(site_dir: Path, folders: Iterable[Path]) -> InputStamps:
    """Return the stamps of the site's settings, of every file below its ``content/`` and below
    each of ``folders`` (the template folders, with their static files).

    Hidden files are stamped too (a hidden Markdown file is warned about), and a file that is a
    symbolic link by both its own stamp and its target's; folders that are links are not followed,
    as the scan does not follow them.
    """
    lines: list[str] = []
    newest = 0
    content: dict[str, tuple[int, int, int, int]] = {}
    config = site_dir / "site.yaml"
    try:
        st = os.stat(config)
        lines.append(f"site.yaml\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{st.st_ctime_ns}\x1f{st.st_ino}")
        newest = max(st.st_mtime_ns, st.st_ctime_ns)
    except OSError:
        lines.append("site.yaml\x1fmissing")
    for number, root in enumerate([site_dir / "content", *folders]):
        todo = [(f"{number}:", str(root))]
        kept = content if number == 0 else None
        while todo:
            prefix, folder = todo.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError:  # missing or unreadable: the scan finds nothing there either
                continue
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append((rel + "/", entry.path))
                    continue
                try:
                    st = entry.stat()
                    line = f"{rel}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{st.st_ctime_ns}\x1f{st.st_ino}"
                    newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
                    if kept is not None:
                        kept["content/" + rel[2:]] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                except OSError:  # a broken link
                    line = f"{rel}\x1fbroken"
                if entry.is_symlink():
                    own = entry.stat(follow_symlinks=False)
                    line += f"\x1flink\x1f{own.st_mtime_ns}\x1f{own.st_ctime_ns}\x1f{own.st_ino}"
                    newest = max(newest, own.st_mtime_ns, own.st_ctime_ns)
                lines.append(line)
    lines.sort()
    digest = hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return InputStamps(digest, newest, content)


def stamps_settled(stamps: InputStamps, now_ns: int | None = None) -> bool:
    """Return whether no file changed so recently that an equal stamp could hide a second change
    (the scan's rule for trusting a signature, ``_RACY_NS``)."""
    return (time.time_ns() if now_ns is None else now_ns) - stamps.newest_ns > _RACY_NS


def scan_site(
    site_dir: Path, static_dirs: Iterable[Path], read_markdown: bool = True,
    known: Mapping[str, FileSignature] | None = None, hash_markdown: bool = True,
    stamps: Mapping[str, tuple[int, int, int, int]] | None = None,
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
    ``read_markdown_signed`` gives the whole of it. ``stamps`` (``input_stamps().content``, taken as
    the build began) stands for each file's own stat.
    """
    config_file = site_dir / "site.yaml"
    problems: list[Diagnostic] = []
    config_text = _read_text(config_file, "site.yaml", problems) if config_file.is_file() else None
    markdown: list[tuple[str, str]] = []
    signatures: list[tuple[str, FileSignature]] = []
    assets: list[str] = []
    content = site_dir / "content"
    now = time.time_ns()
    links: list[str] = []
    hidden: list[str] = []
    names = _walk_names(content, links, hidden) if content.is_dir() else []
    problems.extend(warning(f"content/{rel}", 1, "not built: a name starting with '.' is hidden; rename the file "
                            "to publish it") for rel in sorted(hidden))
    bad_links = link_problems(site_dir, content, links)
    problems.extend(bad_links)
    refused = {problem.path for problem in bad_links}
    for name in names:
        rel = "content/" + name
        if rel in refused:
            continue
        if not rel.lower().endswith(_MARKDOWN):
            assets.append(rel)
            continue
        old = known.get(rel) if known is not None and not read_markdown else None
        if old is None and not hash_markdown and not read_markdown:
            signatures.append((rel, UNREAD))  # its reader takes the signature as it opens the file
            continue
        file = f"{content}{os.sep}{name}"  # a string: a Path per file cost more than its stat
        stamp = stamps.get(rel) if stamps is not None else None
        if stamp is None:
            st = os.stat(file)
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if old is not None and old[:4] == stamp and now - max(stamp[1], stamp[2]) > _RACY_NS:
            signatures.append((rel, old))
            continue
        if not hash_markdown and not read_markdown:
            signatures.append((rel, (*stamp, "")))
            continue
        text, digest = _read_markdown(file, rel, problems)
        if text is not None and read_markdown:
            markdown.append((rel, text))
        elif text is not None:
            signatures.append((rel, (*stamp, digest)))
    static: dict[str, Path] = {}
    for folder in static_dirs:  # lowest priority first, so the site's own files win
        links = []
        for path in _walk(folder, links) if folder.is_dir() else []:
            static[path.relative_to(folder).as_posix()] = path
        if folder.is_relative_to(site_dir):  # the built-in theme's own files are NewsBite's
            problems.extend(link_problems(site_dir, folder, links))
    log.debug("scanned %d Markdown files, %d assets, %d static files", len(markdown) or len(signatures), len(assets),
              len(static))
    return SiteSources(config_text, tuple(markdown), tuple(assets), tuple(sorted(static.items())), tuple(problems),
                       tuple((rel, sig[4]) for rel, sig in signatures), tuple(signatures))


def rescan(site_dir: Path, last: SiteSources, changed: Iterable[str]) -> SiteSources | None:
    """Return ``last`` (a scan with ``read_markdown=False``) with the Markdown files in ``changed``
    looked at again, or None when only a whole scan can tell what changed.

    ``changed`` names every source path (relative to the site folder, with '/') that changed since
    ``last`` was made, as a file watcher reports them. Only Markdown files that are regular files,
    or that are gone, are looked at here; anything else (a folder, a link, an asset, a template,
    site.yaml) may change what the scan lists or reports, and asks for a whole scan, as does a
    ``last`` that reported problems.
    """
    if last.problems or last.markdown:
        return None
    signatures = dict(last.markdown_signatures)
    added = False
    problems: list[Diagnostic] = []
    for rel in sorted(set(changed)):
        parts = rel.split("/")
        if parts[0] != "content" or len(parts) < 2 or any(_ignored(part) for part in parts) or \
                not rel.lower().endswith(_MARKDOWN):
            return None
        try:
            st = os.lstat(site_dir / rel)
        except FileNotFoundError:
            signatures.pop(rel, None)
            continue
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp: list[tuple[int, int, int, int]] = []
        try:
            text, digest = _read_markdown(site_dir / rel, rel, problems, stamp)
        except OSError:  # gone or unreadable since: a whole scan says which
            return None
        if text is None:
            return None
        added = added or rel not in signatures
        signatures[rel] = (*stamp[0], digest)
    ordered = list(signatures.items())
    if added:  # a new file came last: put it where the scan lists it
        ordered.sort(key=lambda item: item[0].split("/"))
    return replace(last, markdown_digests=tuple((rel, sig[4]) for rel, sig in ordered),
                   markdown_signatures=tuple(ordered))


# Larger than nearly every Markdown file, so one read takes it whole.
_READ_SIZE = 1 << 16


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


def read_text(path: Path) -> str:
    """Return a file's text (used by `new` and the dev server)."""
    return path.read_text(encoding="utf-8")


def write_new_file(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; raise FileExistsError rather than overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)


def file_digest(path: Path) -> str:
    """Return the BLAKE2b digest of a file's bytes (static files and content assets)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def file_signature(path: Path, old: FileSignature | None, now_ns: int) -> FileSignature:
    """Return a file's signature (size, times, inode, digest), reading its bytes only when the first
    four differ from ``old``'s (a site's pictures: hundreds of megabytes to digest on every build)."""
    st = os.stat(path)
    stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if old is not None and old[:4] == stamp and now_ns - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
        return old
    return (*stamp, file_digest(path))


def file_stat(path: Path) -> tuple[int, int]:
    """Return (size, mtime in ns) of a file."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def package_sources(folder: Path) -> list[tuple[str, bytes]]:
    """Return the generator's own Python files with their bytes, sorted (for the code digest)."""
    return [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted(folder.rglob("*.py"))]


def installed_versions() -> dict[str, str | None]:
    """Return the version of each distribution with a ``.dist-info`` or ``.egg-info`` folder on
    ``sys.path``, by ``distribution_key``: None where the folder's name does not say it. The first
    one on the path wins, as it does for ``import``; a path entry that is a file (a zip) that could
    hold more is listed under the key "" (None).

    The folders' names say the version (``jinja2-3.1.6.dist-info``): listing them costs less than
    importing importlib.metadata (0.03 s), which every build would pay for this alone.
    """
    versions: dict[str, str | None] = {}
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names = [e.name for e in found if e.name.endswith((".dist-info", ".egg-info"))]
        except FileNotFoundError:
            continue
        except OSError:
            versions.setdefault("", None)
            continue
        for name in names:
            distribution, _, version = name.rpartition(".")[0].partition("-")
            versions.setdefault(distribution_key(distribution), version.partition("-")[0] or None)
    return versions


def distribution_key(name: str) -> str:
    """Return a distribution's name as the packaging standards compare it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_markdown(
    path: Path | str, rel: str, problems: list[Diagnostic], stamp: list[tuple[int, int, int, int]] | None = None,
) -> tuple[str | None, str]:
    data = _read_bytes(path, stamp)
    text = _decode(data, rel, problems)
    return text, hashlib.blake2b(data, digest_size=16).hexdigest()




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
    if b"\r" not in data:
        return text
    # Windows line ends become Unix ones; so do the old Mac ones (a lone CR), which no Markdown
    # or YAML reader here would otherwise take for a line end ("missing front matter").
    return text.replace("\r\n", "\n").replace("\r", "\n")

