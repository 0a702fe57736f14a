"""The build cache: what one build can hand to the next (issue 5, STYLE "Incremental rebuild").

Two kinds of memory, both only ever a speed-up:

- **Sources** (``SourceStore``): per Markdown file, the parsed ``Article`` keyed by the digest of
  its text, the site's time zone and the generator's code; and its rendered body keyed by the code,
  ``escape_html`` and every relative link the body resolved (target -> URL), so a renamed or
  deleted article re-renders exactly the bodies that link to it.
- **Outputs** (``OutputState``): per output folder, each file's input key (template closure +
  context digest), the digest of its bytes and its size and mtime after writing; plus the digest
  of all inputs and the summary of the last build, so a rebuild with nothing changed is a scan.

On disk both live in ``<site>/.newsbite-cache/`` as checksummed pickles in shards; a shard that is
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
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple, TypeVar

import jinja2
import jinja2.bccache

from generator import __version__
from generator.build import bodyfiles
from generator.build.fingerprint import combine, digest_bytes, digest_text
from generator.content import files
from generator.content.articles import Article, Image, Notice, extra_mapping
from generator.content.files import FileSignature, SiteSources
from generator.content.paths import SitePaths
from generator.diagnostics import Diagnostic
from generator.model.body import BodyLocation
from generator.model.catalogue import HeldBack
from generator.publish import output

log = logging.getLogger(__name__)

R = TypeVar("R")

_MAGIC = b"NBC3"
_SHARDS = 64
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


def article_state(article: Article, text: str, body_start: int | None = None) -> tuple[int, tuple[Any, ...]]:
    """Return a picklable form of ``article``; its body is kept as where it starts in ``text``.

    The fields go as a tuple in a fixed order (a dict of them cost twice as much to pickle, send to
    the parent and rebuild there), the image as its fields (a slotted dataclass pickles by
    looking up its fields each time). Values that many articles repeat (the key lines, which most
    articles of a site share, topics, authors, sources, credits) go as one object each, pickled
    once per batch and held once by the parent.
    """
    a = article
    image = a.image
    return len(text) - len(a.body) if body_start is None else body_start, (
        a.path, a.title, a.date, a.date_only, a.body_line, a.slug, a.updated, a.updated_date_only, a.standfirst,
        _shared(tuple(map(_shared, a.topics))), _shared(a.source), _shared(tuple(map(_shared, a.authors))),
        a.original_url, None if image is None else (image.src, image.alt, image.caption, _shared(image.credit),
                                       image.focus),
        a.aliases, a.draft, a.scheduled, _notice_fields(a.corrections), _notice_fields(a.updates),
        dict(a.extra) if a.extra else None, _shared_lines(a.lines))


def restore_article(state: tuple[int, tuple[Any, ...]], text: str | None) -> Article:
    """Return the article saved by ``article_state`` for the same ``text`` (without a body if None)."""
    body_start, (path, title, date, date_only, body_line, slug, updated, updated_date_only, standfirst, topics,
                 source, authors, original_url, image, aliases, draft, scheduled, corrections, updates, extra,
                 lines) = state
    return Article(
        path=path, title=title, date=date, date_only=date_only, body="" if text is None else text[body_start:],
        body_line=body_line, slug=slug, updated=updated, updated_date_only=updated_date_only, standfirst=standfirst,
        topics=topics, source=source, authors=authors, original_url=original_url,
        image=None if image is None else Image(*image), aliases=aliases, draft=draft, scheduled=scheduled,
        corrections=tuple(Notice(*n) for n in corrections), updates=tuple(Notice(*n) for n in updates),
        extra=extra_mapping(extra or {}), lines=MappingProxyType(lines))


def _notice_fields(notices: tuple[Notice, ...]) -> tuple[tuple[Any, ...], ...]:
    # Corrections and updates as plain tuples of their fields (date, date_only, text, line).
    return tuple((n.date, n.date_only, n.text, n.line) for n in notices)


# Key lines, read-only views of dicts nobody else holds, so articles may share them.
_LINES: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}


def _shared_lines(lines: Mapping[str, int]) -> dict[str, int]:
    key = tuple(lines.items())
    shared = _LINES.get(key)
    if shared is None:
        shared = dict(lines)
        if len(_LINES) < 256:  # a site has a few layouts of front matter; an odd one is not kept
            _LINES[key] = shared
    return shared


# Texts and tuples of texts many articles repeat, each kept as the first one seen (a str, a tuple
# and None are never equal to one another, so no value comes back as one of another type).
_TEXTS: dict[str | tuple[str, ...] | None, Any] = {}


def _shared(value: str | tuple[str, ...] | None) -> Any:
    """Return the first value equal to ``value`` seen (of up to a few thousand), or ``value``."""
    if len(_TEXTS) < 8192:
        return _TEXTS.setdefault(value, value)
    return _TEXTS.get(value, value)


def _pack(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _seal(data) + data


def _seal(pickled: bytes | memoryview) -> bytes:
    """Return what precedes a pickled payload in a cache file: a mark and its checksum (checked by ``_unpack``).

    The checksum finds a truncated or damaged file, nothing more: CRC-32 does that at three times
    the speed of a cryptographic digest, and a build reads and writes tens of megabytes of cache.
    """
    return _MAGIC + f"{zlib.crc32(pickled):08x}".encode("ascii")


def _unpack(data: bytes | None) -> Any:
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


def _to_disk(record: SourceRecord) -> SourceRecord:
    # In memory a record holds (body start, Article); on disk, the article's picklable fields, and
    # no body: bodies go to a file of their own (``SourceStore._load_bodies``).
    if record.parsed is None:
        return record._replace(body=None)
    body_start, article = record.parsed
    return record._replace(parsed=article_state(article, "", body_start), body=None)


def _from_disk(record: SourceRecord) -> SourceRecord:
    if record.parsed is None:
        return record
    return record._replace(parsed=(record.parsed[0], restore_article(record.parsed, None)))


def _shard_of(path: str) -> int:
    return int(digest_text(path)[:8], 16) % _SHARDS


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

    def current(self, inputs: str, now: dt.datetime) -> bool:
        """Return whether a build from ``inputs`` at ``now`` plans what this record's build planned."""
        if not inputs or inputs != self.inputs or self.selected is None:
            return False
        since, until = self.selected
        return since <= now and (until is None or now < until)


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


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled by earlier builds, kept in the site's cache (Jinja's public bytecode-cache hooks).

    Jinja checks each entry against the template's source and its own version before using it; an
    entry that cannot be read or written only costs a compile.
    """

    def __init__(self, paths: SitePaths) -> None:
        self.paths = paths

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = output.read_cache_file(self.paths.compiled_template(bucket.key))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # a damaged entry: compile the template again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            output.write_cache_file(self.paths.compiled_template(bucket.key), bucket.bytecode_to_string())
        except OSError as exc:
            log.debug("compiled template not kept: %s", exc)


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
            kept = _unpack(output.read_cache_file(self.paths.stage_result(name)))
        else:
            kept = None
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp:
            return kept[1]  # type: ignore[no-any-return]
        value = make()
        entry = (stamp, value)
        if self.memo is not None:
            self.memo.stages[name] = entry
        elif on_disk:
            output.write_cache_file(self.paths.stage_result(name), _pack(entry))
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


class SourceStore:
    """Cached articles and bodies for one site, read from memory or disk, saved shard by shard."""

    def __init__(self, paths: SitePaths, memo: BuildMemo | None) -> None:
        self.paths = paths
        self.code = code_digest()
        self.memo = memo
        self._dirty: set[int] = set()
        # Where this build's processes write the bodies they render, and the body files there before it.
        self.bodies = bodyfiles.BodyFolder.for_build(paths.cache_dir / "bodies")
        self._body_files = bodyfiles.existing_files(self.bodies.path)
        # The records' bodies are still on disk: read on first need (a build that plans nothing has none).
        self._bodies_pending = False
        site_dir = paths.site_dir
        self._records: dict[str, SourceRecord] | None
        if memo is not None and memo.site_dir == site_dir and memo.code == self.code and memo.sources is not None:
            self._records = memo.sources
            self.scan: dict[str, FileSignature] = memo.scan
        else:
            self._records = None  # read on first use: a build that finds its output current reads none
            self.scan = load_scan(paths)
        self._scan_changed = False

    @property
    def records(self) -> dict[str, SourceRecord]:
        """Every cached record by source path (the articles as parsed, their bodies still on disk)."""
        if self._records is None:
            self._records = self._load()
            self._bodies_pending = bool(self._records)
        return self._records

    def remember_scan(self, signatures: dict[str, FileSignature]) -> None:
        """Keep the Markdown files' signatures, so the next scan can skip reading unchanged files."""
        if signatures != self.scan:
            self.scan = signatures
            self._scan_changed = True

    def _load(self) -> dict[str, SourceRecord]:
        records: dict[str, SourceRecord] = {}
        for shard in range(_SHARDS):
            payload = _unpack(output.read_cache_file(self._shard_file(shard)))
            if isinstance(payload, dict) and payload.get("code") == self.code and isinstance(payload.get("records"), dict):
                records.update((path, _from_disk(record)) for path, record in payload["records"].items())
        return records

    def _load_bodies(self) -> None:
        """Put the rendered bodies kept on disk into the records.

        Most of the cache's bytes are bodies (LZ4-compressed HTML), and only planning reads them:
        a build with nothing changed skips their 0.05 s at 10,000 articles. A body goes back only
        to a record of the text it was rendered from, so a crash between writing a shard's two
        files cannot pair a new text with an old body; and only when its body file still holds
        it intact (``bodyfiles.intact``).
        """
        if not self._bodies_pending:
            return
        self._bodies_pending = False
        found: dict[str, BodyRecord] = {}
        for shard in range(_SHARDS):
            payload = _unpack(output.read_cache_file(self._body_file(shard)))
            if not (isinstance(payload, dict) and payload.get("code") == self.code and isinstance(payload.get("bodies"), dict)):
                continue
            for path, (text_digest, body) in payload["bodies"].items():
                record = self.records.get(path)
                if record is not None and record.text_digest == text_digest:
                    found[path] = body
        intact = bodyfiles.intact(body.location for body in found.values())
        for path, body in found.items():
            if body.location in intact:
                self.records[path] = self.records[path]._replace(body=body)

    def _shard_file(self, shard: int) -> Path:
        return self.paths.sources_cache / f"{shard:02x}.pickle"

    def _body_file(self, shard: int) -> Path:
        return self.paths.sources_cache / f"{shard:02x}-bodies.pickle"

    def get(self, path: str) -> SourceRecord | None:
        self._load_bodies()
        return self.records.get(path)

    def parsed_record(self, path: str) -> SourceRecord | None:
        """Return the record of ``path`` for what parsing gave (its digests, article and diagnostics);
        its ``body`` may not be read in yet: ``get`` gives the whole record."""
        return self.records.get(path)

    def parsed_records(self) -> Mapping[str, SourceRecord]:
        """Return every record by path, as ``parsed_record`` gives each (a view: ``put`` shows in it)."""
        return MappingProxyType(self.records)

    def put(self, path: str, record: SourceRecord) -> None:
        self._load_bodies()  # a shard is written whole, bodies included
        if self.records.get(path) != record:
            self.records[path] = record
            self._dirty.add(_shard_of(path))

    def retain(self, paths: set[str]) -> None:
        """Forget files that no longer exist (a deleted article leaves nothing behind)."""
        gone = [p for p in self.records if p not in paths]
        if gone:
            self._load_bodies()
        for path in gone:
            del self.records[path]
            self._dirty.add(_shard_of(path))

    def save(self) -> None:
        """Write the shards that changed; keep the records in the memo, if any.

        Parsed articles and bodies do not depend on the output folder, so the dev server keeps them
        on disk too: its next start, and the next ``newsbite build``, find them there.
        """
        if self._dirty:
            by_shard: dict[int, dict[str, SourceRecord]] = {shard: {} for shard in self._dirty}
            for path, record in self.records.items():
                shard = _shard_of(path)
                if shard in by_shard:
                    by_shard[shard][path] = record
            for shard, records in sorted(by_shard.items()):
                bodies = {path: (record.text_digest, record.body) for path, record in records.items()
                          if record.body is not None}
                output.write_cache_file(self._shard_file(shard),
                                        _pack({"code": self.code, "records": {p: _to_disk(r) for p, r in records.items()}}))
                output.write_cache_file(self._body_file(shard), _pack({"code": self.code, "bodies": bodies}))
            self._dirty.clear()
            referenced = {record.body.location.file for record in self.records.values() if record.body is not None}
            bodyfiles.sweep(self.bodies, self._body_files, referenced)
        if self._scan_changed:
            save_scan(self.paths, self.scan)
            self._scan_changed = False
        if self.memo is not None and self._records is not None:
            self._load_bodies()  # the memo's records are whole
            self.memo.site_dir, self.memo.code, self.memo.sources = self.paths.site_dir, self.code, self.records
            self.memo.scan = self.scan


def load_scan(paths: SitePaths) -> dict[str, FileSignature]:
    """Return the Markdown files' signatures as the last build saw them (empty when unknown)."""
    payload = _unpack(output.read_cache_file(paths.scan_file))
    return payload if isinstance(payload, dict) else {}


def save_scan(paths: SitePaths, signatures: dict[str, FileSignature]) -> None:
    """Keep the Markdown files' signatures for the next scan (as ``SourceStore.save`` does)."""
    output.write_cache_file(paths.scan_file, _pack(signatures))


def load_output_state(paths: SitePaths, memo: BuildMemo | None) -> OutputState:
    """Return the record of the last build into the output folder (empty when there is none)."""
    if memo is not None:
        return memo.outputs.get(paths.output_dir.resolve(), OutputState())
    payload = _unpack(output.read_cache_file(paths.output_record))
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
    output.write_cache_file(paths.output_record, _pack({"code": code_digest(), "state": state}))


def forget_output_state(paths: SitePaths, memo: BuildMemo | None) -> None:
    """Drop the record of the output folder (before publishing, so a crash mid-way cannot leave a stale one)."""
    if memo is not None:
        memo.outputs.pop(paths.output_dir.resolve(), None)
    else:
        output.remove_cache_file(paths.output_record)
