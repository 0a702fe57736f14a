"""The artifacts of a build beside the pages: copied files and the search index, and the plan's inputs.

Every output file is an artifact with a record (``OutputRecord``): the digest of its inputs, of
its bytes, and its size and time as written. A page's inputs are its template closure, the
settings, the code and its context (``pages``); a copied file's input is the digest of its
source's bytes; the search index's inputs are the digests of the pages it indexes. An artifact
whose inputs and output file are as the last build recorded them is current: it is not made again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import jinja2

from generator.build.cache import OutputRecord, OutputState, SearchIndex
from generator.build.fingerprint import (
    combine,
    digest_bytes,
    digest_text,
)
from generator.build.pages import PageJob, all_templates_digest, place_bytes
from generator.content import files
from generator.content.articles import Article
from generator.content.files import SiteSources
from generator.diagnostics import BuildError, Diagnostic, error
from generator.model.catalogue import HeldBack, structure_of
from generator.model.plan import PageSpec
from generator.publish import output, search
from generator.render.templates import DEFAULT_LAYOUTS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CopiedFile:
    """A static file or content asset copied into the output as it is."""

    source: Path
    label: str  # how diagnostics name it
    digest: str  # of its bytes


def copied_files(sources: SiteSources, site_dir: Path) -> dict[str, CopiedFile]:
    """Return the files copied as they are, by output path; raise BuildError when two claim one path."""
    copies: dict[str, CopiedFile] = {}
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    planned = [(rel, path, _static_label(path, site_dir)) for rel, path in sources.static]
    planned += [(rel.removeprefix("content/"), site_dir / rel, rel) for rel in sources.assets]
    for rel, path, label in planned:
        if rel in owners:
            clashes.append(error(label, 1, f"output file {rel} is also written for {owners[rel]}"))
            continue
        owners[rel] = label
        copies[rel] = CopiedFile(path, label, files.file_digest(path))
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
    published: Sequence[str], held_back: Sequence[HeldBack], env: jinja2.Environment,
    copies: Mapping[str, CopiedFile], code: str,
) -> str:
    """Return one digest of everything the plan is made from: equal digests, equal plan and output."""
    # Texts, flags and tuples of them: their repr is exact, and cheaper than a Fingerprinter.
    return combine(
        code, config_key, all_templates_digest(env), repr(flags), digest_text(repr(list(markdown_digests))),
        digest_text(repr(list(published))), digest_text(repr(list(held_back))),
        digest_text(repr(sorted((rel, c.digest) for rel, c in copies.items()))),
    )


def site_structure(
    flags: tuple[bool, bool, bool, bool, str | None], published: Sequence[Article], held_back: Sequence[HeldBack],
    copies: Mapping[str, CopiedFile],
) -> str:
    """Return the digest of the site's structure: what every page may show beside the articles it declares."""
    # Texts, numbers, dates and tuples of them: their repr is exact, and cheaper than a Fingerprinter.
    fields = [structure_of(a) for a in published]
    return combine(repr(flags), digest_text(repr(fields)), digest_text(repr(list(held_back))),
                   digest_text(repr(sorted((rel, c.digest) for rel, c in copies.items()))))


def outputs_intact(out_dir: Path, state: OutputState) -> bool:
    """Return whether every file the last build recorded is still as it was written."""
    return bool(state.files) and output.manifest_exists(out_dir) and all(
        output.stat_matches(out_dir, rel, record.size, record.mtime_ns) for rel, record in state.files.items())


def copies_to_make(
    out_dir: Path, copies: Mapping[str, CopiedFile], state: OutputState, records: dict[str, OutputRecord]
) -> dict[str, Path]:
    """Record the copies already in place; return those to make (source changed or output altered)."""
    todo: dict[str, Path] = {}
    for rel, copy in copies.items():
        old = state.files.get(rel)
        if old is not None and old.key == copy.digest and output.stat_matches(out_dir, rel, old.size, old.mtime_ns):
            records[rel] = old
            continue
        held = output.stat_if_copy(out_dir, rel, copy.source) if old is None else None
        records[rel] = OutputRecord(copy.digest, copy.digest, *(held or (0, 0)), "")
        if held is None:
            todo[rel] = copy.source
    return todo


def search_index(
    job: PageJob, records: dict[str, OutputRecord], copies: Mapping[str, CopiedFile], state: OutputState,
    staged: list[str], cache_dir: Path,
) -> SearchIndex:
    """Make Pagefind's bundle an artifact like any page: index again only when some page's bytes changed."""
    pages = sorted(rel for rel in records if rel.endswith((".html", ".htm")))
    key = combine(job.base_key, _pagefind_identity(), *(f"{rel}={records[rel].digest}" for rel in pages))
    old = state.summary.search if state.summary is not None else None
    if old is not None and old.key == key and all(
            rel in state.files and output.stat_matches(job.out_dir, rel, state.files[rel].size,
                                                       state.files[rel].mtime_ns) for rel in old.files):
        records.update({rel: state.files[rel] for rel in old.files})
        return old
    bundle = search.build_index(_OutputView(job.out_dir, pages), cache_dir)
    taken = sorted(p for p in bundle if p in records or p in copies)
    if taken:
        raise BuildError([error("site.yaml", 1, f"output file {taken[0]} is also written by the search index "
                                f"({search.BUNDLE_DIR}/ is reserved for it; or build with --no-search)")])
    for rel, data in sorted(bundle.items()):
        result = place_bytes(job, rel, digest_bytes(data), data, state.files.get(rel), "")
        if result.record is None:
            raise BuildError(list(result.diagnostics))
        records[rel] = result.record
        if result.status == "staged":
            staged.append(rel)
    return SearchIndex(key, tuple(sorted(bundle)))


class _OutputView(Mapping[str, bytes]):
    """The rendered pages as a read-only mapping, read from the staging or output folder on demand."""

    def __init__(self, out_dir: Path, paths: list[str]) -> None:
        self._out_dir = out_dir
        self._paths = set(paths)
        self._order = paths

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._paths:
            raise KeyError(rel)
        return output.read_output_file(self._out_dir, rel)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def _pagefind_identity() -> str:
    # A different Pagefind may index differently: its path, size and time stand for its version.
    executable = search.pagefind_executable()
    return f"{executable}:{files.file_stat(executable)}"


def _static_label(path: Path, site_dir: Path) -> str:
    """Name a static file for diagnostics: relative to the site, or as a default layout file."""
    for root, prefix in ((site_dir, ""), (DEFAULT_LAYOUTS, "(default layouts)/")):
        if path.is_relative_to(root):
            return prefix + path.relative_to(root).as_posix()
    return path.as_posix()
