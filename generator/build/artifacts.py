"""The artifacts of a build beside the pages: copied files and the search index, and the plan's inputs.

Every output file is an artifact with a record (``OutputRecord``): the digest of its inputs, of
its bytes, and its size and time as written. A page's inputs are its template closure, the
settings, the code and its context (``pages``); a copied file's input is the digest of its
source's bytes; the search index's inputs are the digests of the pages it indexes. An artifact
whose inputs and output file are as the last build recorded them is current: it is not made again.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence, overload

from generator.build.cache import OutputRecord, OutputState, SearchIndex, SearchPart
from generator.build.fingerprint import (
    combine,
    digest_bytes,
    digest_text,
)
from generator.build.pages import PageJob, file_intact, place_bytes
from generator.content import files
from generator.content.files import SiteSources
from generator.diagnostics import BuildError, Diagnostic, HeldBack, error
from generator.model.plan import PageSpec
from generator.publish import output, search
from generator.content.paths import DEFAULT_LAYOUTS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CopiedFile:
    """A static file or content asset copied into the output as it is."""

    source: Path
    label: str  # how diagnostics name it
    digest: str  # of its bytes


# Static files pages reference by name, published a second time under a name carrying a digest of
# their bytes (SPEC section 13), so a host may cache them forever: a new stylesheet is a new URL.
FINGERPRINTED = (".css", ".js")
NAME_DIGEST_LENGTH = 10


def fingerprinted_names(sources: SiteSources) -> dict[str, str]:
    """Return the digest name of each static CSS and JS file, by its own name: css/newsbite.css ->
    css/newsbite.3f9a1c2e0b.css (the first characters of the digest of its bytes)."""
    names: dict[str, str] = {}
    for rel, path in sources.static:
        if rel.endswith(FINGERPRINTED):
            stem, dot, suffix = rel.rpartition(".")
            names[rel] = f"{stem}.{files.file_digest(path)[:NAME_DIGEST_LENGTH]}{dot}{suffix}"
    return names


def copied_files(
    sources: SiteSources, site_dir: Path, known: Mapping[str, files.FileSignature] | None = None,
    signed: dict[str, files.FileSignature] | None = None, fingerprinted: Mapping[str, str] | None = None,
) -> dict[str, CopiedFile]:
    """Return the files copied as they are, by output path, static CSS and JS also under their digest
    names (``fingerprinted_names``); raise BuildError when two claim one path.

    A file whose signature equals its entry in ``known`` (by its path) keeps that digest unread;
    ``signed`` receives every file's signature, for the next build.
    """
    known = known or {}
    now = time.time_ns()
    copies: dict[str, CopiedFile] = {}
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    fingerprinted = fingerprinted or {}
    planned = [(rel, path, _static_label(path, site_dir)) for rel, path in sources.static]
    planned += [(fingerprinted[rel], path, label) for rel, path, label in planned if rel in fingerprinted]
    planned += [(rel.removeprefix("content/"), site_dir / rel, rel) for rel in sources.assets]
    for rel, path, label in planned:
        if rel in owners:
            clashes.append(error(label, 1, f"output file {rel} is also written for {owners[rel]}"))
            continue
        owners[rel] = label
        signature = files.file_signature(path, known.get(str(path)), now)
        if signed is not None:
            signed[str(path)] = signature
        copies[rel] = CopiedFile(path, label, signature[4])
    if clashes:
        raise BuildError(clashes)
    return copies


def claimed_pages(pages: list[PageSpec], copies: Mapping[str, CopiedFile]) -> list[PageSpec]:
    """Return ``pages`` (the same list), refusing any output path planned twice (naming both sources)."""
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    for spec in pages:
        if spec.output in owners:
            clashes.append(error(spec.source, 1, f"output file {spec.output} is also written for {owners[spec.output]}"))
            continue
        owners[spec.output] = spec.source
    for rel, copy in copies.items():
        if rel in owners:
            clashes.append(error(copy.label, 1, f"output file {rel} is also written for {owners[rel]}"))
    if clashes:
        raise BuildError(clashes)
    return pages


def plan_inputs(
    flags: tuple[bool, bool, bool, bool, str | None], config_key: str, markdown_digests: Sequence[tuple[str, str]],
    templates: str, copies: Mapping[str, CopiedFile], code: str,
) -> str:
    """Return one digest of everything the plan is made from but the time: equal digests (and a
    time that publishes the same articles, ``OutputState.current``), equal plan and output."""
    # Texts, flags and tuples of them: their repr is exact, and cheaper than a Fingerprinter.
    return combine(code, config_key, templates, repr(flags), digest_text(repr(list(markdown_digests))),
                   copies_digest(copies))


def copies_digest(copies: Mapping[str, CopiedFile]) -> str:
    """Return one digest of the files copied: each output path with the digest of its bytes."""
    return digest_text(repr(sorted((rel, c.digest) for rel, c in copies.items())))


def shared_inputs(flags: tuple[bool, bool, bool, bool, str | None], copies: Mapping[str, CopiedFile]) -> str:
    """Return the digest of what any page may show beside its context and its articles: the copied
    files (whether a picture or asset an article names exists, and its bytes) and the build's flags."""
    return combine(repr(flags), copies_digest(copies))


def site_structure(shared: str, published: str, held_back: Sequence[HeldBack]) -> str:
    """Return the digest of the site's structure: what decides which pages exist and what they show
    beside the articles they declare. ``shared`` is ``shared_inputs``; ``published`` the digest of
    the published articles' structure (``reuse.Selection``)."""
    return combine(shared, published, digest_text(repr(list(held_back))))


def copies_to_make(
    out_dir: Path, copies: Mapping[str, CopiedFile], state: OutputState, records: dict[str, OutputRecord],
    owned: bool = False,
) -> dict[str, Path]:
    """Record the copies already in place; return those to make (source changed or output altered)."""
    todo: dict[str, Path] = {}
    for rel, copy in copies.items():
        old = state.files.get(rel)
        if old is not None and old.key == copy.digest and file_intact(out_dir, rel, old, owned):
            records[rel] = old
            continue
        held = output.stat_if_copy(out_dir, rel, copy.source) if old is None else None
        records[rel] = OutputRecord(copy.digest, copy.digest, *(held or (0, 0)), "")
        if held is None:
            todo[rel] = copy.source
    return todo


def search_index(
    job: PageJob, records: dict[str, OutputRecord], copies: Mapping[str, CopiedFile], state: OutputState,
    staged: list[str], jobs: int, progress: Callable[[int, int], None] | None = None,
) -> SearchIndex:
    """Make the search index's parts artifacts like any page: index again only the parts whose pages changed.

    A part's inputs are the digests of what Pagefind reads of the pages it indexes, the part count,
    the settings, the code and Pagefind itself (issue 11); a part whose inputs and files are as last
    recorded is kept.
    """
    started = time.perf_counter()
    old = state.summary.search if state.summary is not None else None
    html = sorted(rel for rel in records if rel.endswith((".html", ".htm")))
    seen = _pages_seen(job.out_dir, html, records, old.seen if old is not None else {})
    marked = [rel for rel in html if seen[rel][1]]
    indexed = marked or html  # a theme that marks nothing gets every page indexed, as Pagefind would
    count = search.part_count(len(indexed))
    members: dict[int, list[str]] = {number: [] for number in range(count)}
    for rel in indexed:
        members[search.part_of(rel, count)].append(rel)
    # An empty part is left out: Pagefind's script waits forever on an index with no language.
    # The first is kept, empty or not, for the scripts every part is searched with.
    members = {number: pages for number, pages in members.items() if pages or number == 0}
    identity = combine(job.base_key, search.pagefind_identity(), f"parts={count}")
    # What Pagefind reads of each page, not its bytes: a new briefing changes the related list of
    # others, which Pagefind ignores, and their parts stay current.
    keys = {number: combine(identity, str(number), *(f"{rel}={seen[rel][2]}" for rel in pages))
            for number, pages in members.items()}
    kept = _current_parts(job.out_dir, state, old, keys, job.owned_output)
    stale = [number for number in members if number not in kept]
    _place_bundle(job, records, copies, state, staged, {search.PARTS_FILE: search.parts_listing(sorted(members))},
                  kept)
    made = _index_parts(job.out_dir, {n: members[n] for n in stale}, jobs, progress,
                        lambda bundle: _place_bundle(job, records, copies, state, staged, bundle, {}))
    parts = tuple(kept[n] if n in kept else SearchPart(n, keys[n], made[n]) for n in members)
    files = sorted({search.PARTS_FILE, *(rel for part in parts for rel in part.files)})
    reindexed = sum(len(members[n]) for n in stale)
    log.debug("search: %d parts, %d indexed again (%d pages) in %.3f s", len(members), len(stale), reindexed,
              time.perf_counter() - started)
    return SearchIndex(combine(*(p.key for p in parts)), tuple(files), parts, seen, reindexed)


def _pages_seen(out_dir: Path, html: list[str], records: Mapping[str, OutputRecord],
                before: Mapping[str, tuple[str, bool, str]]) -> dict[str, tuple[str, bool, str]]:
    """Return each page's digest, whether it asks to be indexed and the digest of what Pagefind reads of it,
    reading only the pages whose bytes changed."""
    seen: dict[str, tuple[str, bool, str]] = {}
    for rel in html:
        digest = records[rel].digest
        last = before.get(rel)
        if last is not None and len(last) == 3 and last[0] == digest:
            seen[rel] = last
        else:
            data = output.read_output_file(out_dir, rel)
            seen[rel] = (digest, search.asks_for_index(data), search.indexed_digest(data))
    return seen


def _current_parts(out_dir: Path, state: OutputState, old: SearchIndex | None,
                   keys: Mapping[int, str], owned: bool) -> dict[int, SearchPart]:
    """Return the last build's parts whose inputs are unchanged and whose files are as it wrote them."""
    if old is None:
        return {}
    return {part.number: part for part in old.parts if keys.get(part.number) == part.key and all(
        rel in state.files and file_intact(out_dir, rel, state.files[rel], owned) for rel in part.files)}


def _index_parts(out_dir: Path, members: Mapping[int, list[str]], jobs: int,
                 progress: Callable[[int, int], None] | None,
                 place: Callable[[Mapping[str, bytes]], None]) -> dict[int, tuple[str, ...]]:
    """Index the parts side by side, one Pagefind process per core; ``place`` each bundle as it is made.

    Return each part's files. A bundle is placed (staged) and dropped as soon as its part is done,
    so memory holds the parts in flight, not the whole index (35 MB at 10,000 articles, ten times that
    at 100,000).
    """
    total = sum(len(pages) for pages in members.values())
    done = [0]
    lock = threading.Lock()

    def page_done() -> None:
        with lock:  # Pagefind's answers arrive on one thread per part; the bar is drawn by one at a time
            done[0] += 1
            if progress is not None:
                progress(done[0], total)

    def index(number: int) -> dict[str, bytes]:
        return search.index_part(number, _PagesOnDisk(out_dir, members[number]), page_done)

    made: dict[int, tuple[str, ...]] = {}
    if not members:
        return made
    # Largest first, so the last part to finish is a small one. One Pagefind more than there are
    # cores: each waits on this process (pages sent, bundles read and staged) part of the time, and
    # the one more keeps every core busy meanwhile.
    order = sorted(members, key=lambda n: (-len(members[n]), n))
    with ThreadPoolExecutor(max_workers=max(1, min(jobs + 1, len(order))), thread_name_prefix="search") as pool:
        futures = {pool.submit(index, number): number for number in order}
        try:
            for future in as_completed(futures):
                # Popped, and the bundle dropped once placed: a done future holds its result, and the
                # parts' bundles together are the whole index (350 MB at 100,000 articles).
                number = futures.pop(future)
                bundle = future.result()
                del future
                place(bundle)  # in this thread: staging and records are not shared with the workers
                made[number] = tuple(sorted(bundle))
                del bundle
        except BaseException:
            pool.shutdown(cancel_futures=True)  # one part failed: the build fails, start no other
            raise
    return made


class _PagesOnDisk(Sequence[tuple[str, bytes]]):
    """Output pages (path, bytes), each read from the output (or staging) folder when asked for, not before."""

    def __init__(self, out_dir: Path, rels: Sequence[str]) -> None:
        self._out_dir, self._rels = out_dir, rels

    def __len__(self) -> int:
        return len(self._rels)

    @overload
    def __getitem__(self, at: int) -> tuple[str, bytes]: ...

    @overload
    def __getitem__(self, at: slice) -> Sequence[tuple[str, bytes]]: ...

    def __getitem__(self, at: int | slice) -> tuple[str, bytes] | Sequence[tuple[str, bytes]]:
        if isinstance(at, slice):
            return [self[n] for n in range(*at.indices(len(self)))]
        rel = self._rels[at]
        return rel, output.read_output_file(self._out_dir, rel)


def _place_bundle(job: PageJob, records: dict[str, OutputRecord], copies: Mapping[str, CopiedFile],
                  state: OutputState, staged: list[str], bundle: Mapping[str, bytes],
                  kept: Mapping[int, SearchPart]) -> None:
    """Stage the new parts' files, keep the current parts' records; refuse a site file in the bundle's place."""
    kept_files = [rel for part in kept.values() for rel in part.files]
    taken = sorted(p for p in [*bundle, *kept_files] if p in records or p in copies)
    if taken:
        raise BuildError([error("site.yaml", 1, f"output file {taken[0]} is also written by the search index "
                                f"({search.BUNDLE_DIR}/ is reserved for it; or build with --no-search)")])
    records.update({rel: state.files[rel] for rel in kept_files})
    for rel, data in sorted(bundle.items()):
        digest = digest_bytes(data)
        result = place_bytes(job, rel, digest, data, state.files.get(rel), "")
        if result.record is None:
            raise BuildError(list(result.diagnostics))
        # A bundle file's key is its digest: one string for both, in memory and in the record file
        # (a record per bundle file, 100,000 of them at 100,000 articles).
        records[rel] = result.record._replace(digest=digest)
        if result.status == "staged":
            staged.append(rel)


def _static_label(path: Path, site_dir: Path) -> str:
    """Name a static file for diagnostics: relative to the site, or as a default layout file."""
    for root, prefix in ((site_dir, ""), (DEFAULT_LAYOUTS, "(default layouts)/")):
        if path.is_relative_to(root):
            return prefix + path.relative_to(root).as_posix()
    return path.as_posix()
