"""The parsed articles and rendered bodies one build hands the next (``SourceStore``).

Per Markdown file, the parsed ``Article`` keyed by the digest of its text, the site's time zone and
the generator's code, and its rendered body keyed by the code, ``escape_html`` and every relative
link the body resolved (target -> URL), so a renamed or deleted article re-renders exactly the
bodies that link to it. On disk they live in ``<site>/.newsbite-cache/sources/`` in shards (the
articles' fields in one file, their bodies' records in another); in the dev server a
``BuildMemo`` keeps them in memory between builds.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from generator.build import bodyfiles
from generator.build.cache import BodyRecord, BuildMemo, SourceRecord, code_digest, pack, unpack
from generator.content.articles import Article, Image, Notice, extra_mapping
from generator.content.files import FileSignature
from generator.content.paths import SitePaths
from generator.publish import output

log = logging.getLogger(__name__)

_SHARDS = 64


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


def _to_disk(record: SourceRecord, known: tuple[object, tuple[int, tuple[Any, ...]]] | None = None) -> SourceRecord:
    # In memory a record holds (body start, Article); on disk, the article's picklable fields, and
    # no body: bodies go to a file of their own (``SourceStore._load_bodies``). ``known`` is the
    # on-disk form the record's (body start, Article) was made from, if still the same pair.
    if record.parsed is None:
        return record._replace(body=None)
    if known is not None and known[0] is record.parsed:
        return record._replace(parsed=known[1], body=None)
    body_start, article = record.parsed
    return record._replace(parsed=article_state(article, "", body_start), body=None)


def _from_disk(record: SourceRecord) -> SourceRecord:
    if record.parsed is None:
        return record
    return record._replace(parsed=(record.parsed[0], restore_article(record.parsed, None)))


def _shard_of(path: str) -> int:
    # CRC-32 spreads paths evenly and costs a tenth of a digest: saving a shard looks at every path.
    return zlib.crc32(path.encode("utf-8", "surrogatepass")) % _SHARDS


class SourceStore:
    """Cached articles and bodies for one site, read from memory or disk, saved shard by shard."""

    def __init__(self, paths: SitePaths, memo: BuildMemo | None) -> None:
        self.paths = paths
        self.code = code_digest()
        self.memo = memo
        self._dirty: set[int] = set()
        # The on-disk form (``article_state``) of articles that arrived in it, from the parse workers:
        # kept beside the article it gave, so saving does not make it again (0.3 s at 10,000 articles).
        self._states: dict[str, tuple[object, tuple[int, tuple[Any, ...]]]] = {}
        # Where this build's processes write the bodies they render, and the body files there before it.
        self.bodies = bodyfiles.BodyFolder.for_build(paths.cache_dir / "bodies")
        self._body_files = bodyfiles.existing_files(self.bodies.path)
        # The records' bodies are still on disk: read on first need (a build that plans nothing has none).
        self._bodies_pending = False
        self._whole: dict[str, bodyfiles.FileStamp] | None = None
        self._whole_saved: dict[str, bodyfiles.FileStamp] = {}
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
            payload = unpack(output.read_cache_file(self._shard_file(shard)))
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
            payload = unpack(output.read_cache_file(self._body_file(shard)))
            if not (isinstance(payload, dict) and payload.get("code") == self.code and isinstance(payload.get("bodies"), dict)):
                continue
            for path, (text_digest, body) in payload["bodies"].items():
                record = self.records.get(path)
                if record is not None and record.text_digest == text_digest:
                    found[path] = body
        intact = bodyfiles.intact((body.location for body in found.values()), self._whole_files)
        for path, body in found.items():
            if body.location in intact:
                self.records[path] = self.records[path]._replace(body=body)

    @property
    def _whole_files(self) -> dict[str, bodyfiles.FileStamp]:
        """The body files known to hold their bodies as written, with their stamps (``bodyfiles.intact``)."""
        if self._whole is None:
            payload = unpack(output.read_cache_file(self._whole_files_file))
            self._whole = payload if isinstance(payload, dict) else {}
            self._whole_saved = dict(self._whole)
        return self._whole

    def _save_whole_files(self, referenced: set[str]) -> None:
        """Keep the stamps of the body files the records refer to: those this build wrote are whole,
        as written; the others as ``intact`` last found them."""
        whole = self._whole_files
        for file in referenced:
            if self.bodies.owns(Path(file).name) and file not in whole:
                stamp = bodyfiles.stamp_of(file)
                if stamp is not None:
                    whole[file] = stamp
        kept = {file: stamp for file, stamp in whole.items() if file in referenced}
        if kept != self._whole_saved:
            output.write_cache_file(self._whole_files_file, pack(kept))
            self._whole, self._whole_saved = kept, dict(kept)

    @property
    def _whole_files_file(self) -> Path:
        return self.paths.sources_cache / "body-files.pickle"

    def _shard_file(self, shard: int) -> Path:
        return self.paths.sources_cache / f"{shard:02x}.pickle"

    def _body_file(self, shard: int) -> Path:
        return self.paths.sources_cache / f"{shard:02x}-bodies.pickle"

    def get(self, path: str) -> SourceRecord | None:
        records = self.records  # read first: reading them is what marks their bodies as still on disk
        self._load_bodies()
        return records.get(path)

    def parsed_record(self, path: str) -> SourceRecord | None:
        """Return the record of ``path`` for what parsing gave (its digests, article and diagnostics);
        its ``body`` may not be read in yet: ``get`` gives the whole record."""
        return self.records.get(path)

    def parsed_records(self) -> Mapping[str, SourceRecord]:
        """Return every record by path, as ``parsed_record`` gives each (a view: ``put`` shows in it)."""
        return MappingProxyType(self.records)

    def put(self, path: str, record: SourceRecord, state: tuple[int, tuple[Any, ...]] | None = None) -> None:
        """Keep ``record``; ``state`` is its article's on-disk form, when the caller has it (``article_state``)."""
        self._load_bodies()  # a shard is written whole, bodies included
        if state is not None and record.parsed is not None:
            self._states[path] = (record.parsed, state)
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
                on_disk = {p: _to_disk(r, self._states.get(p)) for p, r in records.items()}
                output.write_cache_file(self._shard_file(shard), pack({"code": self.code, "records": on_disk}))
                output.write_cache_file(self._body_file(shard), pack({"code": self.code, "bodies": bodies}))
            self._dirty.clear()
            referenced = {record.body.location.file for record in self.records.values() if record.body is not None}
            bodyfiles.sweep(self.bodies, self._body_files, referenced)
            self._save_whole_files(referenced)
        if self._scan_changed:
            save_scan(self.paths, self.scan)
            self._scan_changed = False
        if self.memo is not None and self._records is not None:
            self._load_bodies()  # the memo's records are whole
            self.memo.site_dir, self.memo.code, self.memo.sources = self.paths.site_dir, self.code, self.records
            self.memo.scan = self.scan


def load_scan(paths: SitePaths) -> dict[str, FileSignature]:
    """Return the Markdown files' signatures as the last build saw them (empty when unknown)."""
    payload = unpack(output.read_cache_file(paths.scan_file))
    return payload if isinstance(payload, dict) else {}


def save_scan(paths: SitePaths, signatures: dict[str, FileSignature]) -> None:
    """Keep the Markdown files' signatures for the next scan (as ``SourceStore.save`` does)."""
    output.write_cache_file(paths.scan_file, pack(signatures))
