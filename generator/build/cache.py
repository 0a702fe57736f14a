"""The build cache: what one build can hand to the next (issue 5, STYLE "Incremental rebuild").

Two kinds of memory, both only ever a speed-up:

- **Sources**: per Markdown file, the parsed article and its rendered body (``SourceRecord``, kept
  by ``build.sourcestore.SourceStore``).
- **Outputs** (``OutputState``): per output folder, each file's input key (template closure +
  context digest), the digest of its bytes and its size and mtime after writing; plus the digest
  of all inputs and the summary of the last build, so a rebuild with nothing changed is a scan.

On disk both live in ``<site>/.newsbite-cache/`` as checksummed pickles (``pack``); a file that is
missing, truncated, corrupt or written by another generator version reads as empty. In one
process (the dev server) a ``BuildMemo`` keeps both in memory between builds.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import pickle
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Mapping, NamedTuple, TypeVar


from generator import __version__
from generator.build.fingerprint import combine, digest_bytes
from generator.content import files
from generator.content.files import FileSignature, SiteSources
from generator.content.paths import SitePaths
from generator.diagnostics import Diagnostic, HeldBack
from generator.model.body import BodyLocation
from generator.publish import output

if TYPE_CHECKING:  # only named here: a build with nothing to do never imports Jinja (``build.site``)
    import jinja2

log = logging.getLogger(__name__)

R = TypeVar("R")

_MAGIC = b"NBC3"
_HEADER = len(_MAGIC) + 8

class BodyRecord(NamedTuple):
    """A rendered body as the cache keeps it."""

    key: str  # body_key(): the code, escape_html and the base path it was rendered with
    links: tuple[tuple[str, str | None], ...]  # every link target it resolved, with the URL it got
    location: BodyLocation  # where a body file holds its HTML, UTF-8, LZ4-compressed
    first_paragraph: str
    digest: str  # of the uncompressed HTML


class SourceRecord(NamedTuple):
    """A Markdown file as the cache keeps it: what parsing and rendering it gave."""

    text_digest: str
    parse_key: str  # the code and the time zone it was parsed with
    # Where the body starts in the text, and the Article without its body (None if it failed to parse).
    # On disk the Article is kept as its fields (``article_state``).
    parsed: tuple[int, Any] | None
    diagnostics: tuple[Diagnostic, ...]
    body: BodyRecord | None


class OutputRecord(NamedTuple):
    """An output file as the last build left it."""

    key: str  # the digest of its inputs (template closure, settings, code, context)
    digest: str  # the digest of its bytes
    size: int
    mtime_ns: int
    source: str  # the source that owns it (an article's .md, site.yaml, a static file), or ""

    def with_stat(self, size: int, mtime_ns: int) -> OutputRecord:
        """Return this record for the file as it was just written."""
        return self._replace(size=size, mtime_ns=mtime_ns)


@functools.cache
def code_digest() -> str:
    """Return the digest of the generator itself: its version, every module's source, and the
    versions of the libraries that shape its output.

    Hashing the code rather than trusting the version number means an edited filter or model
    function can never serve stale pages, even between releases; an upgraded Markdown or
    template library renders everything again too.
    """
    package = Path(__file__).parents[1]
    parts = [__version__, sys.version] + [f"{name}:{digest_bytes(data)}" for name, data in files.package_sources(package)]
    installed = files.installed_versions()
    parts.extend(f"{library}={_version(library, installed)}" for library in _LIBRARIES)
    return combine(*parts)


# Distributions whose behaviour reaches the output (Markdown, templates, escaping, YAML, slugs).
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "MarkupSafe", "PyYAML", "python-slugify", "Unidecode",
              "text-unidecode")


def _version(library: str, installed: Mapping[str, str | None]) -> str:
    """Return the installed version of ``library``, or "?" when it is not installed."""
    key = files.distribution_key(library)
    found = installed.get(key)
    if found is not None:
        return found
    if key not in installed and "" not in installed:
        return "?"
    # A folder that does not name its version, or a zip on the path: importlib.metadata knows,
    # at the cost of importing it.
    import importlib.metadata

    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def pack(payload: Any) -> bytes:
    """Return ``payload`` as a cache file holds it: pickled, behind a mark and its checksum."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _seal(data) + data


def pack_into(handle: BinaryIO, payload: Any) -> None:
    """Write ``pack(payload)`` into ``handle`` (a new file), pickled as it is written: a large payload is
    never held whole in memory beside itself (the output record is 60 MB at 100,000 articles)."""
    start = handle.tell()
    handle.write(bytes(_HEADER))  # the mark and checksum, once the checksum is known
    summed = _Summed(handle)
    pickle.dump(payload, summed, protocol=pickle.HIGHEST_PROTOCOL)
    handle.seek(start)
    handle.write(_MAGIC + f"{summed.crc:08x}".encode("ascii"))


class _Summed:
    """A file that takes the CRC-32 of what is written to it (``_seal``'s checksum)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle, self.crc = handle, 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self._handle.write(data)


def _seal(pickled: bytes | memoryview) -> bytes:
    """Return what precedes a pickled payload in a cache file: a mark and its checksum (checked by ``unpack``).

    The checksum finds a truncated or damaged file, nothing more: CRC-32 does that at three times
    the speed of a cryptographic digest, and a build reads and writes tens of megabytes of cache.
    """
    return _MAGIC + f"{zlib.crc32(pickled):08x}".encode("ascii")


def unpack(data: bytes | None) -> Any:
    """Return the payload of a cache file, or None when it is missing, truncated or corrupt."""
    if data is None or len(data) < _HEADER or not data.startswith(_MAGIC):
        return None
    body = memoryview(data)[_HEADER:]  # not a copy: a large site's shards are megabytes
    if _seal(body) != data[:_HEADER]:
        return None
    try:
        return pickle.loads(body)
    except Exception:  # a file from another version or a damaged one: a cache miss, never fatal
        return None


@dataclass(frozen=True, slots=True)
class SearchPart:
    """One part of the search index (issue 11): its number, the digest of its inputs, and its files."""

    number: int
    key: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """The Pagefind bundle as a build made it: the digest of its inputs (the pages) and its files."""

    key: str
    files: tuple[str, ...]
    parts: tuple[SearchPart, ...] = ()
    # Each HTML page as last seen: its bytes' digest, whether it asks to be indexed, and the digest
    # of what Pagefind reads of it (so an unchanged page is not read again to find out).
    seen: Mapping[str, tuple[str, bool, str]] = field(default_factory=dict)
    reindexed: int = 0  # the pages this build indexed again


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What a build reports beyond its files, kept so a build that plans nothing can report it too."""

    pages: int
    topics: int
    articles: int
    held_back: tuple[HeldBack, ...]
    warnings: tuple[Diagnostic, ...]
    base_url: str
    search: SearchIndex | None


@dataclass(slots=True)
class OutputState:
    """What the last build wrote into one output folder: every artifact's record, and that build's summary.

    ``inputs`` is the digest of everything the plan was made from but the time: equal digests, and
    a time within ``selected``, equal plan.
    """

    inputs: str = ""
    summary: BuildSummary | None = None
    files: dict[str, OutputRecord] = field(default_factory=dict)
    # What the pages' keys in ``files`` were made from beside the pages themselves.
    keyed: KeyInputs | None = None
    # When the articles were selected, and the first date of one held back as future then (None:
    # none was): between the two, the same articles are published.
    selected: tuple[dt.datetime, dt.datetime | None] | None = None
    # The stamps of the sources as that build began (``build.site.input_key``): equal stamps, equal
    # sources, without reading one ("" when not taken, as in the dev server).
    signed: str = ""

    def current(self, inputs: str, now: dt.datetime) -> bool:
        """Return whether a build from ``inputs`` at ``now`` plans what this record's build planned."""
        return bool(inputs) and inputs == self.inputs and self.publishes_same(now)

    def publishes_same(self, now: dt.datetime) -> bool:
        """Return whether the sources of this record's build, at ``now``, publish the same articles."""
        if self.selected is None:
            return False
        since, until = self.selected
        try:
            return since <= now and (until is None or now < until)
        except TypeError:  # a time given without a zone (tests) against one with: not comparable, not current
            return False


@dataclass(frozen=True, slots=True)
class KeyInputs:
    """What every page key of a build holds beside the page's own output path and the articles it shows.

    Kept with the records, so the next build can tell which keys an edit changes without making
    them all again (``build.pages.page_keys``).
    """

    base_key: str  # the code and the settings
    structure: str  # the digest of the site's structure
    template_keys: dict[str, str]  # each template's closure digest
    source_digests: dict[str, str]  # each article's source digest


@dataclass(slots=True)
class BuildMemo:
    """The cache kept in memory between builds in one process (the dev server).

    Pass the same memo to every ``build_site(options, memo)``: parsed articles, rendered bodies
    and the record of written files are then reused without reading the cache files again, and
    the record of its private output folder is never written to disk. Every entry is checked
    against the current inputs before use, exactly as the files' entries are.
    """

    site_dir: Path | None = None
    code: str = ""
    sources: dict[str, SourceRecord] | None = None
    scan: dict[str, FileSignature] = field(default_factory=dict)
    outputs: dict[Path, OutputState] = field(default_factory=dict)
    # Results of pure stages, by name: (the digest of their inputs, the result).
    stages: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # The last template environment, under the digest of the settings and every template's source:
    # reused, it keeps the templates it compiled.
    environment: tuple[str, jinja2.Environment] | None = None
    # The output folder is this memo's alone (the dev server's private folder): no other program
    # writes there, so its files are as the records say, and a rebuild need not stat every one.
    owns_output: bool = False
    # The last scan of the sources, while it is known to be whole: a build given the paths changed
    # since (``BuildOptions.changed``) looks at those alone (``files.rescan``).
    scanned: SiteSources | None = None
    # The cards and related items kept between builds (``build.fragmentshelf``), under their generation.
    fragments: tuple[str, dict[str, str]] | None = None


class StageResults:
    """Results of pure stages of the plan kept for the next build, each under the digest of its inputs.

    Only for stages whose result is a function of the site's structure alone (related briefings,
    sitemaps, the pages), so that an edit to an article's wording reuses them. In the memo when
    there is one, else one file per stage in the site's cache (unless reading the file would cost
    more than making the result again); a result whose inputs differ is made again.
    """

    def __init__(self, paths: SitePaths, memo: BuildMemo | None) -> None:
        self.paths = paths
        self.memo = memo

    def result(self, name: str, key: str, make: Callable[[], R], on_disk: bool = True) -> R:
        """Return ``make()``, or the result it gave last time under the same ``key``.

        Without ``on_disk`` the result is kept in the memo only: for results that unpickle slower
        than they are made (the pages of a large site: 0.25 s to load at 10,000 articles).
        """
        stamp = self._stamp(key)
        if self.memo is not None:
            kept = self.memo.stages.get(name)
        elif on_disk:
            kept = unpack(output.read_cache_file(self.paths.stage_result(name)))
        else:
            kept = None
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp:
            return kept[1]  # type: ignore[no-any-return]
        value = make()
        entry = (stamp, value)
        if self.memo is not None:
            self.memo.stages[name] = entry
        elif on_disk:
            output.write_cache_file(self.paths.stage_result(name), pack(entry))
        return value

    def last(self, name: str, key: str) -> Any:
        """Return the value the memo keeps for ``name`` under ``key`` (``keep``), or None: for
        results that are reused by identity, which only the memo keeps (``build.reuse``)."""
        kept = None if self.memo is None else self.memo.stages.get(name)
        return kept[1] if kept is not None and kept[0] == self._stamp(key) else None

    def keep(self, name: str, key: str, value: object) -> None:
        """Keep ``value`` in the memo, if there is one, for ``last`` to give back."""
        if self.memo is not None:
            self.memo.stages[name] = (self._stamp(key), value)

    @staticmethod
    def _stamp(key: str) -> str:
        # A result is kept under its inputs and the code that made it.
        return combine(code_digest(), key)


def load_output_state(paths: SitePaths, memo: BuildMemo | None) -> OutputState:
    """Return the record of the last build into the output folder (empty when there is none)."""
    if memo is not None:
        return memo.outputs.get(paths.output_dir.resolve(), OutputState())
    payload = unpack(output.read_cache_file(paths.output_record))
    state = payload.get("state") if isinstance(payload, dict) and payload.get("code") == code_digest() else None
    return state if isinstance(state, OutputState) else OutputState()


def save_output_state(paths: SitePaths, state: OutputState, memo: BuildMemo | None) -> None:
    """Keep the record of this build: in the memo when there is one, else in the site's cache.

    With a memo (the dev server, whose output folder lives only as long as the process) nothing
    is written, so throwaway output folders leave no records behind.
    """
    if memo is not None:
        memo.outputs[paths.output_dir.resolve()] = state
        return
    output.write_cache_file_from(paths.output_record, lambda handle: pack_into(handle, {"code": code_digest(),
                                                                                       "state": state}))


def forget_output_state(paths: SitePaths, memo: BuildMemo | None) -> None:
    """Drop the record of the output folder (before publishing, so a crash mid-way cannot leave a stale one)."""
    if memo is not None:
        memo.outputs.pop(paths.output_dir.resolve(), None)
    else:
        output.remove_cache_file(paths.output_record)


def outputs_intact(out_dir: Path, state: OutputState, owned: bool = False) -> bool:
    """Return whether every file the last build recorded is still as it was written (``owned``: the
    folder is written by this process alone, ``BuildMemo.owns_output``)."""
    return bool(state.files) and output.manifest_exists(out_dir) and (owned or all(
        output.stat_matches(out_dir, rel, record.size, record.mtime_ns) for rel, record in state.files.items()))
