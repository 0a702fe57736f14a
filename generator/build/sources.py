"""Markdown sources to articles and rendered bodies: cached, and spread over the workers (issue 5).

Parsing front matter and rendering Markdown are the expensive leaves of a build. Both are pure
functions of their inputs, so a result is reused whenever those inputs are unchanged:

- ``parse_article(path, text, config)``: keyed by the text's digest, the site's time zone (the one
  setting it reads) and the generator's code (``SourceStore`` records, keyed by path).
- ``render_body(path, body, escape_html, resolve, base_path)``: keyed by the code, ``escape_html``
  and the base path (site-root links are put under it), plus
  each link target the body looked up with the URL it got; a cached body is valid only while
  every one of those targets still resolves to the same URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence

import lz4.block  # type: ignore[import-untyped]  # ships no type information

from generator.build.bodyfiles import BodyFolder, append_bodies, read_body
from generator.build.cache import BodyRecord, SourceRecord
from generator.build.sourcestore import SourceStore, article_state, restore_article
from generator.build.fingerprint import combine, digest_bytes
from generator.build.parallel import Progress, forks, run_spans
from generator.content import files
from generator.content.articles import Article, parse_article
from generator.content.config import SiteConfig
from generator.content.files import UNREAD, FileSignature
from generator.diagnostics import BuildError, Diagnostic, error
from generator.model.body import RenderedBody, StoredHtml
from generator.model.feeds import XmlSafeMarkup, xml_safe_html

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _ParseJob:
    files: Sequence[tuple[str, str]]
    site_dir: Path
    config: SiteConfig
    body_key: str
    targets: Mapping[str, str]
    bodies: BodyFolder


def parse_sources(
    files: Sequence[tuple[str, str]], site_dir: Path, config: SiteConfig,
    asset_targets: Mapping[str, str], store: SourceStore, jobs: int, progress: Progress | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[Article], list[Diagnostic], dict[str, FileSignature]]:
    """Return the articles of the ``(path, digest)`` Markdown files (parsed only where not cached), all
    diagnostics, and the signatures of the files given with an empty digest (the scan did not read them).

    The articles come without their bodies: the texts of a large site are read where they are
    needed, one at a time (in the workers), instead of all being held here. While a worker has
    a text, it also renders the body, resolving links to content assets (known from the scan)
    and leaving links to other articles unresolved; ``render_bodies`` later re-renders the few
    bodies whose recorded links resolve differently once every article's URL is known.
    ``meanwhile`` runs in this process while the workers parse (not at all when there are no workers:
    it is work that only pays for itself beside theirs).
    """
    # Front matter reads one setting, the time zone (dates without one are in it): a change of any
    # other, such as the dev server's own base URL, needs no article parsed again. Bodies have keys
    # of their own (``body_key`` and the links they resolved).
    parse_key = combine(store.code, f"timezone={config.timezone}")
    records = store.parsed_records()  # read directly: this runs for every file of the site, every build
    missing = [(path, digest) for path, digest in files
               if not digest or not _parsed_matches(records.get(path), digest, parse_key)]
    _import_renderer(bool(missing))
    job = _ParseJob(missing, site_dir, config, body_key(store.code, config.escape_html, config.base_path),
                    asset_targets, store.bodies)
    workers = _jobs_for(jobs, len(missing))
    results = run_spans(_parse_span, job, len(missing), workers, progress=progress,
                        meanwhile=meanwhile if forks(workers, len(missing)) else None)
    read: dict[str, FileSignature] = {}
    for (path, digest), (state, diagnostics, body, signature) in zip(missing, results):
        if not digest:
            read[path] = signature
            digest = signature[4]
        old = store.get(path)
        if body is None and old is not None and old.text_digest == digest:
            body = old.body
        article = None if state is None else (state[0], restore_article(state, None))
        store.put(path, SourceRecord(digest, parse_key, article, diagnostics, body), state)
    if len(records) != len(files):  # some files are gone (or two paths share one record: never)
        store.retain({path for path, _digest in files})
    listed = [records[path] for path, _digest in files]
    articles = [record.parsed[1] for record in listed if record.parsed is not None]
    problems = [problem for record in listed if record.diagnostics for problem in record.diagnostics]
    return articles, problems, read


def _import_renderer(needed: bool) -> None:
    """Import the Markdown renderer here, before the workers fork, when they will render: each then
    inherits it instead of importing it again. Its spans import it themselves (``_parse_span``)."""
    if needed:
        import generator.render.markup  # noqa: F401


def _parsed_matches(record: SourceRecord | None, digest: str, parse_key: str) -> bool:
    return record is not None and record.text_digest == digest and record.parse_key == parse_key


def _parse_span(
    job: _ParseJob, start: int, stop: int,
) -> list[tuple[Any, tuple[Diagnostic, ...], BodyRecord | None, FileSignature]]:
    results: list[tuple[Any, tuple[Diagnostic, ...], BodyRecord | None, FileSignature]] = []
    if start == stop:  # nothing to parse: every article was in the cache
        return results
    # Imported by the spans that render (markdown-it and its plugins take 0.03 s to import): a
    # build that finds every article in the cache never needs them.
    from generator.render.markup import render_body

    # The bodies go to this process's body file in one write at the end of the span; the records
    # sent back hold where each lies (``_stored_bodies``).
    bodies: list[_Body] = []
    for path, digest in job.files[start:stop]:
        text, signature, problems = _read_unchanged(job.site_dir, path, digest)
        if text is None:
            results.append((None, tuple(problems), None, signature))
            continue
        article, diagnostics = parse_article(path, text, job.config)
        if article is None:
            results.append((None, tuple(diagnostics), None, signature))
            continue
        links: dict[str, str | None] = {}
        body = render_body(path, article.body, job.config.escape_html, _recording(job.targets, links),
                           job.config.base_path)
        assert isinstance(body.html, str)  # freshly rendered: text, not yet stored
        bodies.append(_compressed(len(results), tuple(links.items()), body.html, body.first_paragraph))
        results.append((article_state(article, text), tuple(diagnostics), None, signature))
    for number, record in _stored_bodies(job.bodies, job.body_key, bodies):
        results[number] = (*results[number][:2], record, results[number][3])
    return results


class _Body(NamedTuple):
    """A freshly rendered body, compressed, not yet in a body file."""

    number: int  # its place in the span's results
    links: tuple[tuple[str, str | None], ...]
    data: bytes  # the HTML, UTF-8, LZ4-compressed
    first_paragraph: str
    digest: str  # of the uncompressed HTML


def _compressed(number: int, links: tuple[tuple[str, str | None], ...], html: str, first: str) -> _Body:
    data = html.encode("utf-8")
    # LZ4 keeps under half the size at a tenth of zlib's cost (zlib level 1 took about 70
    # microseconds an article, LZ4 under 10; unpacking in each page's render is 5x cheaper too).
    return _Body(number, links, lz4.block.compress(data), first, digest_bytes(data))


def _stored_bodies(folder: BodyFolder, key: str, bodies: Sequence[_Body]) -> list[tuple[int, BodyRecord]]:
    """Return each body's place and record, once it is written to this process's body file."""
    locations = append_bodies(folder, [body.data for body in bodies])
    return [(body.number, BodyRecord(key, body.links, location, body.first_paragraph, body.digest))
            for body, location in zip(bodies, locations)]


def body_html(stored: StoredHtml) -> XmlSafeMarkup:
    """Return a stored body's HTML, without the characters XML 1.0 cannot hold (printing removes them anyway)."""
    data = stored.data if isinstance(stored.data, bytes) else read_body(stored.data)
    return xml_safe_html(lz4.block.decompress(data))


class decoded_bodies(Mapping[str, RenderedBody]):  # noqa: N801 (reads as a function at its call site)
    """The rendered bodies with their HTML as text, decoded on each use (only feeds' articles ever are)."""

    def __init__(self, bodies: Mapping[str, RenderedBody]) -> None:
        self._bodies = bodies

    def __getitem__(self, path: str) -> RenderedBody:
        body = self._bodies[path]
        html = body_html(body.html) if isinstance(body.html, StoredHtml) else body.html
        return RenderedBody(html, body.first_paragraph)

    def __iter__(self) -> Iterator[str]:
        return iter(self._bodies)

    def __len__(self) -> int:
        return len(self._bodies)


def body_key(code: str, escape_html: bool, base_path: str) -> str:
    """Return the key of a rendered body: ``render_body`` depends on nothing else but its links."""
    return combine(code, f"escape_html={escape_html}", f"base_path={base_path}")


def _read_unchanged(site_dir: Path, path: str, digest: str) -> tuple[str | None, FileSignature, list[Diagnostic]]:
    """Return the file's text and signature, or None and a problem when it changed since the build scanned it.

    An empty ``digest`` means the scan did not read the file: there is nothing to compare, and the
    whole signature is taken as the file is read. Otherwise only the signature's digest is filled.
    """
    if not digest:
        return files.read_markdown_signed(site_dir, path)
    text, now, problems = files.read_markdown_file(site_dir, path)
    if text is not None and now != digest:
        return None, (*UNREAD[:4], now), [error(path, 1, "the file changed while the site was building; build again")]
    return text, (*UNREAD[:4], now), problems


@dataclass(frozen=True, slots=True)
class _BodyJob:
    articles: Sequence[tuple[Article, str, int]]
    site_dir: Path
    escape_html: bool
    targets: Mapping[str, str]
    base_path: str
    key: str
    bodies: BodyFolder


def render_bodies(
    articles: Sequence[Article], site_dir: Path, escape_html: bool, targets: Mapping[str, str], store: SourceStore,
    jobs: int, base_path: str = "/",
) -> dict[str, RenderedBody]:
    """Return every article's rendered body by source path, rendering only those not cached.

    The HTML comes as a ``StoredHtml``: compact, so the model places it in pages without copying it.
    """
    key = body_key(store.code, escape_html, base_path)
    bodies: dict[str, RenderedBody] = {}
    todo: list[tuple[Article, str, int]] = []
    for article in articles:
        record = store.get(article.path)
        assert record is not None and record.parsed is not None
        body = _cached_body(record, key, targets)
        if body is None:
            todo.append((article, record.text_digest, record.parsed[0]))
        else:
            bodies[article.path] = body
    _import_renderer(bool(todo))
    job = _BodyJob(todo, site_dir, escape_html, targets, base_path, key, store.bodies)
    errors: list[Diagnostic] = []
    for (article, _digest, _start), result in zip(todo, run_spans(_body_span, job, len(todo), _jobs_for(jobs, len(todo)))):
        if isinstance(result, Diagnostic):
            errors.append(result)
            continue
        bodies[article.path] = RenderedBody(StoredHtml(result.location, result.digest), result.first_paragraph)
        record = store.get(article.path)
        assert record is not None
        store.put(article.path, record._replace(body=result))
    if errors:
        raise BuildError(errors)
    return bodies


def _cached_body(record: SourceRecord, body_key: str, targets: Mapping[str, str]) -> RenderedBody | None:
    body = record.body
    if body is None or body.key != body_key or any(targets.get(target) != url for target, url in body.links):
        return None
    return RenderedBody(StoredHtml(body.location, body.digest), body.first_paragraph)


def _body_span(job: _BodyJob, start: int, stop: int) -> list[Any]:
    from generator.render.markup import render_body  # as in _parse_span

    results: list[Any] = []
    bodies: list[_Body] = []
    for article, digest, body_start in job.articles[start:stop]:
        text, _digest, problems = _read_unchanged(job.site_dir, article.path, digest)
        if text is None:
            results.append(problems[0] if problems else error(article.path, 1, "cannot read the file"))
            continue
        links: dict[str, str | None] = {}
        body = render_body(article.path, text[body_start:], job.escape_html, _recording(job.targets, links),
                           job.base_path)
        assert isinstance(body.html, str)  # freshly rendered: text, not yet stored
        bodies.append(_compressed(len(results), tuple(links.items()), body.html, body.first_paragraph))
        results.append(None)
    for number, record in _stored_bodies(job.bodies, job.key, bodies):
        results[number] = record
    return results


def _recording(targets: Mapping[str, str], links: dict[str, str | None]) -> Callable[[str], str | None]:
    def resolve(target: str) -> str | None:
        links[target] = url = targets.get(target)
        return url
    return resolve


def _jobs_for(jobs: int, count: int) -> int:
    # A fork costs a few milliseconds; a handful of edited files render faster in this process.
    return jobs if count >= 32 else 1
