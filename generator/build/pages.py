"""Rendering the output plan into the staging folder: only pages whose inputs changed (issues 5, 10).

Each page is an artifact whose key is the digest of its inputs: its template closure (the
template and every template it extends, includes or imports, as the site's ``layouts/`` resolves
them), the site settings and the generator's code, and then either

- what the page declares it shows (``PageSpec.shows``): its context, which holds the site's
  structure as this page shows it (its URL, the list it is a page of, the pages around it) and
  names the articles shown; and each article shown, as its source digest, its body's digest and
  what its entry shows of the structure (its URL and its topics', authors' and source's URLs); or
- for a page that declares nothing, the digest of its whole context.

So a new article, or one moved to another author or month, changes the keys of the pages that
list it or whose lists shift, not of every page. A page whose key and output file are as the last
build recorded them is current and is not rendered; a rendered page whose bytes are unchanged is
not written. Everything else is written to the staging folder, which the build publishes once
every page has rendered.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import jinja2
import jinja2.meta

from generator.build.cache import BuildMemo, KeyInputs, OutputRecord
from generator.build.fingerprint import (
    Fingerprinter,
    combine,
    digest_bytes,
    digest_text,
)
from generator.build.fragmentshelf import FragmentShelf
from generator.build.parallel import Progress, forks, run_spans
from generator.build.sources import decoded_bodies
from generator.content.config import SiteConfig
from generator.diagnostics import BuildError, Diagnostic
from generator.model.body import RenderedBody, StoredHtml
from generator.model.catalogue import Entry
from generator.model.feeds import FeedItem
from generator.model.plan import PageSpec, names_articles, resolve_context
from generator.model.syndication import feed_bodies
from generator.publish import output
from generator.render.fragments import CARD_TEMPLATE, RELATED_TEMPLATE
from generator.render.templates import (
    compile_templates,
    forget_fragments,
    referenced_templates,
    render_page,
    shelve_fragments,
    template_names,
)

log = logging.getLogger(__name__)

# At most this many template errors are reported: one broken template fails every page.
ERROR_LIMIT = 20
# Fewer pages than this render in this process: forking workers costs more than it saves. A page
# printing shelved cards renders in one to two milliseconds, while each worker makes again the
# entries its pages show and copies what it touches of the build's memory: after an author change
# at 10,000 articles (165 pages) the render stage took 4.3-5.0 s in one process against 6.8-8.0 s
# over two workers, on a busy two-core machine.
_PAGES_APART = 256


class PageResult(NamedTuple):
    """What happened to one planned page: ``kept`` (untouched), ``staged`` (to publish) or ``error``."""

    status: str
    path: str
    record: OutputRecord | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    # On the last page of each span rendered: the fragments made for the shelf while rendering it.
    fragments: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything the workers share (inherited when they fork)."""

    specs: Sequence[PageSpec]
    env: jinja2.Environment
    site_dir: Path
    out_dir: Path
    stage: Path
    base_key: str
    template_keys: Mapping[str, str]
    previous: Mapping[str, OutputRecord]
    # The digest of the site's structure (the same structure plans the same pages), and each
    # article's source digest (for declared pages).
    structure: str = ""
    source_digests: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # The output folder is new: no file there can already hold a page (no need to look).
    new_output: bool = False
    # What pages naming articles are made whole from when they render: the settings, the
    # articles' bodies and their entries (made on first use in each process).
    config: SiteConfig | None = None
    bodies: Mapping[str, RenderedBody] = dataclasses.field(default_factory=dict)
    entries: Mapping[str, Entry] = dataclasses.field(default_factory=dict)
    # The feed items made so far in this process: an article in several feeds is shaped once.
    feed_items: dict[str, FeedItem] = dataclasses.field(default_factory=dict)
    # Each article as a declared page's key names it (``article_token``), made on first use.
    article_tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    # The output folder is written by this process alone (``BuildMemo.owns_output``).
    owned_output: bool = False
    # What every declared page may show beside its context and its articles: the copied files
    # (pictures and assets an entry shows) and the build's flags.
    shared: str = ""
    # What an article's entry shows of the structure, by source path (``Entries.shown_structure``).
    shown_structure: Callable[[str], object] | None = None


def page_key(job: PageJob, spec: PageSpec, fingerprints: Fingerprinter) -> str:
    """Return the digest of everything ``spec``'s bytes depend on."""
    template = job.template_keys.get(spec.template, "?")
    if spec.shows is None:
        return combine(job.base_key, template, fingerprints.digest(spec.context))
    tokens = job.article_tokens
    shown = [tokens.get(path) or article_token(job, path) for path in spec.shows]
    # Output paths, source paths and digests hold no "\x1f", and the context's text comes last
    # but for the shown articles' digests (whose count and length are fixed): they cannot run together.
    return digest_text("\x1f".join((job.base_key, template, job.shared, spec.output, *shown,
                                     context_text(spec.context, fingerprints))))


def context_text(context: Mapping[str, Any], fingerprints: Fingerprinter) -> str:
    """Return what stands for a declared page's context in its key.

    Such a context holds the plan's own values (heads, pagination, navigation, views of topics,
    authors and archives, and articles by name): frozen dataclasses and named tuples of texts,
    numbers and dates, whose ``repr`` spells out every field, so it is spelled out at a fraction of
    a Fingerprinter's cost (a structural change keys every page). Values many pages share (the
    navigation, a topic's view) are spelled out once per keying (``Fingerprinter.spelled``). A
    ``repr`` naming a memory address says nothing of the value: the Fingerprinter digests that
    context.
    """
    spelled = fingerprints.spelled
    text = "\x1f".join([f"{name}={spelled(value)}" for name, value in context.items()])
    return fingerprints.digest(context) if " at 0x" in text else text


def article_token(job: PageJob, path: str) -> str:
    """Return the article at ``path`` as the keys of the pages showing it name it, and keep it in the job.

    Its source digest stands for all it says; its body's digest for the links its body resolved;
    its shown structure for the URLs its entry links to.
    """
    digest = job.source_digests.get(path, "?")
    body = job.bodies.get(path)
    html = None if body is None else body.html
    body_digest = "" if html is None else html.digest if isinstance(html, StoredHtml) else digest_text(html)
    row = "" if job.shown_structure is None else job.shown_structure(path)
    token = job.article_tokens[path] = digest_text(f"{path}\x1f{digest}\x1f{body_digest}\x1f{row!r}")
    return token


def key_inputs(job: PageJob) -> KeyInputs:
    """Return what every page key of ``job`` holds beside the page's output path and the articles it shows."""
    return KeyInputs(job.base_key, job.structure, dict(job.template_keys), dict(job.source_digests))


def page_keys(job: PageJob, last: KeyInputs | None) -> list[str | None]:
    """Return the key of every page of ``job`` that the last build wrote, in plan order; None for the others.

    A page the last build did not write renders whatever its key: the worker rendering it keys it
    (a first build keys every page over the workers, not in this process before they start).
    ``last`` is what the keys of the last build into this output folder (``job.previous``) were
    made from. When the code, settings and structure are as they were, the plan is the same, and a
    page's key is new only if its template changed or it shows an article whose digest changed:
    pages declare what they show, so the others keep their recorded key without being keyed again.
    """
    fingerprints = Fingerprinter()
    previous = job.previous
    if last is None or (last.base_key, last.structure) != (job.base_key, job.structure):
        return [page_key(job, spec, fingerprints) if spec.output in previous else None for spec in job.specs]
    digests = job.source_digests
    changed = {path for path, digest in digests.items() if last.source_digests.get(path) != digest}
    changed.update(path for path in last.source_digests if path not in digests)
    same_templates = {name for name, key in job.template_keys.items() if last.template_keys.get(name) == key}
    keys: list[str | None] = []
    for spec in job.specs:
        old = previous.get(spec.output)
        if old is None:
            keys.append(None)
        elif spec.shows is not None and spec.template in same_templates and changed.isdisjoint(spec.shows):
            keys.append(old.key)
        else:
            keys.append(page_key(job, spec, fingerprints))
    return keys


def render_pages(job: PageJob, jobs: int, meanwhile: Callable[[], None] | None = None,
                 progress: Progress | None = None, keyed: KeyInputs | None = None,
                 shelf: FragmentShelf | None = None) -> list[PageResult]:
    """Return the result of every planned page, in plan order, rendering only those not current.

    ``meanwhile`` runs while the workers render (not at all without workers); ``progress`` hears
    how many pages are done. A plan ends with its costliest pages (the feeds, each carrying twenty
    whole articles). ``keyed`` is what the keys of ``job.previous`` were made from, if known
    (``page_keys``). The pages print the cards and related items ``shelf`` keeps (``fragment_shelf``),
    and those they make are saved there.
    """
    keys = page_keys(job, keyed)
    results: list[PageResult | None] = []
    stale: list[tuple[int, str | None]] = []
    for number, spec in enumerate(job.specs):
        key = keys[number]
        old = job.previous.get(spec.output)
        if old is not None and key is not None and old.key == key and in_place(job, spec.output, old):
            results.append(PageResult("kept", spec.output,
                                      old if old.source == spec.source else old._replace(source=spec.source)))
        else:
            results.append(None)
            stale.append((number, key))
    log.debug("rendering %d of %d pages", len(stale), len(job.specs))
    forget_fragments(job.env)  # the cards and related items of the last build's entries
    workers = jobs if len(stale) >= _PAGES_APART else 1
    if workers > 1:
        compile_templates(job.env)  # before the workers fork, so that they inherit the compiled templates
    if shelf is not None:
        shelf.share(workers)
        if forks(workers, len(stale)):
            shelf.preload()  # read once, here, rather than by each worker
    shelve_fragments(job.env, shelf)
    try:
        # Without workers ``meanwhile`` is left to the caller, after publishing: a saved page is not
        # held back by work that only pays for itself beside the workers'.
        rendered = run_spans(_render_span, (job, stale, shelf), len(stale), workers,
                             meanwhile=meanwhile if forks(workers, len(stale)) else None, progress=progress,
                             heavy_last=True)
    finally:
        shelve_fragments(job.env, None)
    for (number, _key), result in zip(stale, rendered):
        results[number] = _fragments_kept(result, shelf)
    if shelf is not None:
        shelf.save()
    return [result for result in results if result is not None]


def _fragments_kept(result: PageResult, shelf: FragmentShelf | None) -> PageResult:
    """Return ``result`` without the fragments made while rendering its span, which ``shelf`` keeps."""
    if result.fragments is None:
        return result
    assert shelf is not None, "fragments made without a shelf"
    shelf.keep(result.fragments)
    return result._replace(fragments=None)


def fragment_shelf(job: PageJob, folder: Path, memo: BuildMemo | None) -> FragmentShelf:
    """Return the shelf of the cards and related items that earlier builds made with ``job``'s code,
    settings, copied files, flags and fragment templates: in ``folder``, or in ``memo`` if there is one."""
    templates = template_keys(job.env, {CARD_TEMPLATE, RELATED_TEMPLATE})
    generation = combine(job.base_key, job.shared, *[templates[name] for name in sorted(templates)])
    tokens, digests = job.article_tokens, job.source_digests

    def token(path: str) -> str | None:
        return tokens.get(path) or (article_token(job, path) if path in digests else None)

    return FragmentShelf(None if memo is not None else folder, memo, generation, token)


def _render_span(work: tuple[PageJob, list[tuple[int, str | None]], FragmentShelf | None], start: int,
                 stop: int) -> list[PageResult]:
    job, stale, shelf = work
    results: list[PageResult] = []
    errors = 0
    fingerprints = Fingerprinter()
    for number, known in stale[start:stop]:
        spec = job.specs[number]
        old = job.previous.get(spec.output)
        if errors >= ERROR_LIMIT:
            results.append(PageResult("error", spec.output))
            continue
        try:
            data = render_page(job.env, _resolved(job, spec), job.site_dir).data
        except BuildError as exc:
            errors += 1
            results.append(PageResult("error", spec.output, None, tuple(exc.diagnostics)))
            continue
        # Keyed once rendered: a page that fails, or that the error limit skips, needs no key.
        key = known if known is not None else page_key(job, spec, fingerprints)
        results.append(place_bytes(job, spec.output, key, data, old, spec.source))
    if shelf is not None and results:
        made = shelf.take_made()
        if made:
            results[-1] = results[-1]._replace(fragments=made)
    return results


def _resolved(job: PageJob, spec: PageSpec) -> PageSpec:
    """Return the page with the articles its context names made whole: entries, bodies as HTML, feeds."""
    if not names_articles(spec.context):
        return spec
    assert job.config is not None, "a page naming articles rendered without the site's settings"
    context = resolve_context(job.config, spec.context, job.entries, feed_bodies(decoded_bodies(job.bodies)),
                              job.feed_items)
    return dataclasses.replace(spec, context=context)


def in_place(job: PageJob, rel: str, old: OutputRecord) -> bool:
    """Return whether the output file is still as ``old`` records it."""
    return file_intact(job.out_dir, rel, old, job.owned_output)


def file_intact(out_dir: Path, rel: str, record: OutputRecord, owned: bool) -> bool:
    """Return whether the output file ``rel`` is still as ``record`` says it was written; ``owned``:
    the folder is written by this process alone (``BuildMemo.owns_output``), so it is, unlooked at."""
    return owned or output.stat_matches(out_dir, rel, record.size, record.mtime_ns)


def place_bytes(job: PageJob, rel: str, key: str, data: bytes, old: OutputRecord | None, source: str) -> PageResult:
    """Keep the output file when it already holds these bytes; else stage them."""
    digest = digest_bytes(data)
    if old is not None and old.digest == digest and in_place(job, rel, old):
        return PageResult("kept", rel, OutputRecord(key, digest, old.size, old.mtime_ns, source))
    if old is None and not job.new_output:
        held = output.stat_if_holding(job.out_dir, rel, data)
        if held is not None:
            return PageResult("kept", rel, OutputRecord(key, digest, held[0], held[1], source))
    try:
        size, mtime_ns = output.stage_bytes(job.stage, rel, data)
    except BuildError as exc:
        return PageResult("error", rel, None, tuple(exc.diagnostics))
    return PageResult("staged", rel, OutputRecord(key, digest, size, mtime_ns, source))


def template_keys(env: jinja2.Environment, names: set[str]) -> dict[str, str]:
    """Return, per template name, the digest of its closure: itself and all it pulls in.

    A template naming another through a variable (``{% include name %}``) depends on any of them,
    so its key covers every template the loader can see.
    """
    sources: dict[str, str] = {}
    keys: dict[str, str] = {}
    for name in sorted(names):
        closure = _closure(env, name, sources)
        if closure is None:
            closure = set(template_names(env)) | {name}
        keys[name] = combine(*sorted(f"{n}={_source_digest(env, n, sources)}" for n in closure))
    return keys


def _closure(env: jinja2.Environment, name: str, sources: dict[str, str]) -> set[str] | None:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            referenced = _named_by(env, current)
        except (jinja2.TemplateError, UnicodeDecodeError):
            continue  # rendering reports it; the digest below marks the name as broken
        if None in referenced:
            return None
        todo.extend(r for r in referenced if r is not None)
    return seen


def _named_by(env: jinja2.Environment, name: str) -> list[str | None]:
    """Return the templates ``name`` names: as noted when it compiled (it is compiled now if it was
    not: its page needs it anyway), or, for one whose compiled code came from the cache, from a parse."""
    named = referenced_templates(env, name)
    if named is None:
        env.get_template(name)
        named = referenced_templates(env, name)
    if named is None:
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        named = _referenced_templates(env, source)
    return named


@functools.lru_cache(maxsize=256)
def _referenced_templates(env: jinja2.Environment, source: str) -> list[str | None]:
    # The dev server keeps its environment between builds: its templates are parsed once.
    return list(jinja2.meta.find_referenced_templates(env.parse(source)))


def _source_digest(env: jinja2.Environment, name: str, sources: dict[str, str]) -> str:
    if name not in sources:
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
            sources[name] = digest_text(f"{filename}\n{source}")
        except (jinja2.TemplateError, UnicodeDecodeError):
            sources[name] = "missing"
    return sources[name]


def all_templates_digest(env: jinja2.Environment) -> str:
    """Return one digest of every template the loader can see (for the whole-build check)."""
    sources: dict[str, str] = {}
    return combine(*sorted(f"{n}={_source_digest(env, n, sources)}" for n in template_names(env)))
