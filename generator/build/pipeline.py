"""The build: sources in, a complete site out, in stages that each return new values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Mapping, Protocol, Sequence

import jinja2

from generator.build import collector, faststate, incremental
from generator.build.cache import (
    BuildMemo,
    FileRecord,
    OutputState,
    SourceStore,
    code_digest,
    forget_output_state,
    load_output_state,
    load_scan,
    save_output_state,
    save_scan,
)
from generator.build.fingerprint import Fingerprinter, combine, digest_bytes
from generator.build.pages import (
    ERROR_LIMIT,
    PageJob,
    all_templates_digest,
    place_bytes,
    render_pages,
    template_keys,
)
from generator.build.parallel import default_jobs, run_spans
from generator.build.sources import decoded_bodies, parse_sources, render_bodies
from generator.content import files
from generator.content.articles import Article
from generator.content.config import SiteConfig, load_config
from generator.diagnostics import BuildError, Diagnostic, Report, error
from generator.model.catalogue import (
    Entry,
    HeldBack,
    RelatedIndex,
    article_paths,
    catalogue,
    output_file,
    select_articles,
    site_path,
)
from generator.model.plan import PageSpec, Site, plan_site
from generator.model.syndication import feed_pages, index_pages
from generator.publish import output, search
from generator.render.templates import (
    DEFAULT_LAYOUTS,
    compile_templates,
    layout_dirs,
    make_environment,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the command line asked for."""

    site_dir: Path
    output_dir: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    strict: bool = False
    force: bool = False
    now: dt.datetime | None = None
    # Run Pagefind over the output (newsbite build --no-search turns it off).
    search: bool = True
    # Worker processes for parsing and rendering (--jobs); None means one per usable core.
    jobs: int | None = None
    # Told (stage, items done, items in all) on the long stages, for a progress bar.
    progress: Callable[[str, int, int], None] | None = None


@dataclass(slots=True)
class BuildResult:
    """What a finished build did, for the summary line."""

    output_dir: Path
    pages: int
    topics: int
    articles: int
    held_back: tuple[HeldBack, ...]
    warnings: list[Diagnostic]
    written: int
    removed: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    # Output file -> the source that owns it (an article's .md, site.yaml, a static file), so
    # `newsbite check` can name the article behind a broken link.
    page_sources: dict[str, str] = field(default_factory=dict)
    # The base URL the site was built for (site.yaml or --base-url), to resolve its links.
    base_url: str = ""
    # Whether the dev server's fast path for an article edit made it (generator/incremental.py),
    # and the output files it wrote.
    fast: bool = False
    written_files: tuple[str, ...] = ()

    @classmethod
    def published(
        cls, out_dir: Path, site: Site, warnings: list[Diagnostic], files: PublishedFiles, started: float,
        timings: dict[str, float], base_url: str, fast: bool = False,
    ) -> BuildResult:
        """Return the result of a build that published ``site`` as ``files``."""
        return cls(
            output_dir=out_dir,
            pages=len(site.pages),
            topics=len(site.topics),
            articles=len(site.entries),
            held_back=site.held_back,
            warnings=warnings,
            written=len(files.written),
            removed=len(files.removed),
            seconds=time.perf_counter() - started,
            timings=timings,
            page_sources={rel: record[4] for rel, record in files.records.items() if record[4]},
            base_url=base_url,
            fast=fast,
            written_files=tuple(files.written) if fast else (),
        )


class PublishedFiles(Protocol):
    """What publishing reports: the output record and the files written and removed."""

    @property
    def records(self) -> Mapping[str, FileRecord]: ...
    @property
    def written(self) -> Sequence[str]: ...
    @property
    def removed(self) -> Sequence[str]: ...


def output_dir_for(options: BuildOptions) -> Path:
    """Return the output folder: --output, else public/ inside the site folder (SPEC section 8)."""
    return options.output_dir if options.output_dir is not None else options.site_dir / "public"


def full_build(
    options: BuildOptions, memo: BuildMemo | None = None, changed: frozenset[str] | None = None
) -> BuildResult:
    """Build the whole site; raise BuildError (content) or UsageError (command line) before publishing anything.

    Work whose inputs are unchanged is skipped, using the cache in ``<site>/.newsbite-cache/``
    or ``memo``: a caller that builds again and again (the dev server) should pass the same
    ``BuildMemo`` to every call, so nothing is re-read from the cache files. Either way the output
    is byte-identical to a build from scratch, and only files whose bytes changed are written.

    ``changed`` (with a memo) names the sources changed since the last call, relative to the site:
    when they are a few articles edited without changing the site's structure, only the pages
    holding them are planned and rendered again (``incremental``); else the whole build runs.
    """
    with collector.paused():
        return _full_build(options, memo, changed)


def _full_build(options: BuildOptions, memo: BuildMemo | None, changed: frozenset[str] | None) -> BuildResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    site_dir, out_dir = options.site_dir, output_dir_for(options)
    output.check_output_dir(site_dir, out_dir, options.force)
    if memo is not None and changed is not None:
        fast = incremental.rebuild(options, out_dir, memo, changed)
        if fast is not None:
            return fast
    scanned = None
    if memo is None:
        fast, scanned = _fast_from_disk(options, out_dir)
        if fast is not None:  # timed from here: loading the saved model is part of the build
            return replace(fast, seconds=time.perf_counter() - started)
    if memo is not None:
        memo.last_site = None  # the model is kept again only once this build succeeds
    jobs = options.jobs or default_jobs()
    report = Report()
    store = SourceStore(site_dir, memo)

    mark = time.perf_counter()
    config, config_key, articles, sources, env = _load(options, report, store, jobs, scanned)
    now = options.now or dt.datetime.now(config.tz)
    published, held_back = select_articles(articles, options.drafts, options.future, now)
    paths, clashes = article_paths(config, published)
    report.extend(clashes)
    report.raise_if_failed()
    copies = _copies(sources, site_dir)
    inputs = _inputs_digest(options, config_key, sources, published, held_back, env, copies, store.code)
    state = load_output_state(site_dir, out_dir, memo)
    timings["load"] = time.perf_counter() - mark
    if state.inputs == inputs and _outputs_intact(out_dir, state):
        store.save()
        return _unchanged_result(out_dir, state, report, started, timings)

    stage = output.open_staging(out_dir)
    # A first build into a folder of its own writes every page: while this process plans them, a
    # helper process makes the article pages' folders (on the core that would otherwise idle).
    folders = (output.make_folders_meanwhile(stage, [output_file(path) for path in paths.values()])
               if output.made_by_this_build(out_dir) and len(paths) >= _FOLDERS_APART else None)
    try:
        mark = time.perf_counter()
        targets = _link_targets(config, paths, sources.assets)
        bodies = render_bodies(published, site_dir, config.escape_html, targets, store, jobs, config.base_path)
        timings["markdown"] = time.perf_counter() - mark

        mark = time.perf_counter()
        entries = catalogue(config, published, paths, bodies, set(sources.assets))
        # Workers digest the entries (which most pages show) and find each one's related
        # briefings, while this process plans the feeds; then the pages and sitemaps are planned.
        fingerprints = Fingerprinter()
        feeds: list[PageSpec] = []
        related = _study_entries(entries.entries, fingerprints, jobs, meanwhile=lambda: feeds.extend(
            feed_pages(Site(config, entries.entries, entries.topics, ()), decoded_bodies(bodies))))
        site, problems = plan_site(config, entries, published, bodies, held_back, options.search, related)
        report.extend(problems)
        report.raise_if_failed(options.strict)
        site = replace(site, pages=site.pages + tuple(feeds) + tuple(index_pages(site)))
        specs = _claim_outputs(site.pages, copies)
        timings["model"] = time.perf_counter() - mark
    except BaseException:
        output.discard_staging(out_dir, folders)
        raise

    # The cache is saved while the workers render (parsed articles and bodies stay valid even if
    # a template fails).
    files = _render_and_publish(options, memo, env, combine(store.code, config_key), specs, copies, state, jobs,
                                timings, fingerprints, store.save, stage, folders)
    summary = {"pages": len(site.pages), "topics": len(site.topics), "articles": len(site.entries),
               "held_back": site.held_back, "warnings": report.warnings, "base_url": config.base_url,
               "search": files.search}
    # Without a memo the fast path can still apply to the next build (another process): its model
    # is kept on disk, and the output record names the inputs it came from. Saving it costs about
    # a second at 10,000 articles, so a first build into an empty folder (a deployment) does not;
    # the first full rebuild does, for the edits that follow.
    keep = memo is None and _fast_eligible(options) and bool(state.files)
    if memo is not None or keep:
        last = incremental.capture(
            options, out_dir, config, combine(store.code, config_key), env, articles, published, paths, targets,
            sources.assets, site, bodies, report.warnings, now)
        if memo is not None:
            memo.last_site = last
        else:
            mark = time.perf_counter()
            faststate.save(site_dir, out_dir, faststate.FastState(inputs, last))
            timings["fast state"] = time.perf_counter() - mark
            summary["fast"] = _FastLink(inputs, dict(sources.markdown_digests), _published_key(published),
                                        _held_key(held_back), ())
    elif memo is None:
        faststate.forget(site_dir, out_dir)  # a model no output record will name again
    save_output_state(site_dir, out_dir, OutputState(inputs, summary, files.records), memo)
    log.debug("stage timings: %s", {k: round(v, 3) for k, v in timings.items()})
    return BuildResult.published(out_dir, site, report.warnings, files, started, timings, config.base_url)


@dataclass(frozen=True, slots=True)
class _FastLink:
    """What the output record keeps of the build whose model the fast path starts from."""

    base: str  # that build's whole-input digest (also in the saved model, which must match it)
    digests: dict[str, str]  # Markdown source -> digest of its bytes, as that build read them
    published: str  # digest of the published articles' paths, in order
    held: str  # digest of the held-back articles
    touched: tuple[str, ...]  # sources applied by fast builds since: their pages may differ from the model's


# From this many articles on, a first build makes their folders in a helper process (starting it costs
# a few milliseconds; a small site's folders take less).
_FOLDERS_APART = 256
# Beyond this many sources changed since the last full build, a full build starts afresh.
_FAST_LIMIT = 100


def _fast_eligible(options: BuildOptions) -> bool:
    # The fast path never runs with search indexing or --strict (incremental._plan).
    return not options.search and not options.strict


def _fast_from_disk(options: BuildOptions, out_dir: Path) -> tuple[BuildResult | None, files.SiteSources | None]:
    """Apply an edit of a few published articles to the last full build's saved model; None if it cannot.

    The current inputs must equal that build's in everything but the Markdown files' bytes (the
    same whole-input digest, computed with the digests it read); the changed files, and those
    applied by fast builds since, then go through the dev server's fast path, which checks that
    they keep the site's structure. Anything else, or a broken file, is left to the full build,
    which gets the scan made here, if any.
    """
    site_dir = options.site_dir
    if not _fast_eligible(options):
        return None, None
    state = load_output_state(site_dir, out_dir, None)
    link = state.summary.get("fast")
    if not isinstance(link, _FastLink) or not state.files:
        return None, None
    mark = time.perf_counter()
    sources = _scan(site_dir, load_scan(site_dir))
    current = dict(sources.markdown_digests)
    changed = frozenset(link.touched) | {path for path, digest in current.items() if link.digests.get(path) != digest}
    if sources.problems or current.keys() != link.digests.keys() or not changed or len(changed) > _FAST_LIMIT:
        return None, sources
    return _fast_apply(options, out_dir, state, link, sources, changed, mark), sources


def _fast_apply(
    options: BuildOptions, out_dir: Path, state: OutputState, link: _FastLink, sources: files.SiteSources,
    changed: frozenset[str], mark: float,
) -> BuildResult | None:
    site_dir = options.site_dir
    try:
        config, _warnings = load_config(sources.config_text or "", "site.yaml", options.base_url)
        copies = _copies(sources, site_dir)
    except BuildError:
        return None
    env = make_environment(config, site_dir)
    env.auto_reload = False
    as_built = [(path, link.digests[path]) for path, _digest in sources.markdown_digests]
    inputs = _inputs_from(options, Fingerprinter().digest(config), as_built, link.published, link.held, env,
                          copies, code_digest())
    if inputs != link.base:
        return None
    saved = faststate.load(site_dir, out_dir)
    if saved is None or saved.base != link.base:
        return None
    loaded = time.perf_counter() - mark
    memo = BuildMemo(outputs={out_dir.resolve(): state}, last_site=dataclasses.replace(saved.last, env=env))
    try:
        result = incremental.rebuild(options, out_dir, memo, changed, recheck=True)
    except BuildError:
        return None  # the full build reports it, as it reports every problem
    if result is None:
        return None
    record = memo.outputs[out_dir.resolve()]
    record.summary["fast"] = dataclasses.replace(link, touched=tuple(sorted(changed)))
    save_output_state(site_dir, out_dir, record, None)
    save_scan(site_dir, dict(sources.markdown_signatures))
    result.timings["load"] = loaded
    return result


def _scan(site_dir: Path, known: dict[str, files.FileSignature], hash_markdown: bool = True) -> files.SiteSources:
    static_dirs = [d / "static" for d in reversed(layout_dirs(site_dir))]
    return files.scan_site(site_dir, static_dirs, read_markdown=False, known=known, hash_markdown=hash_markdown)


def _load(
    options: BuildOptions, report: Report, store: SourceStore, jobs: int, scanned: files.SiteSources | None,
) -> tuple[SiteConfig, str, list[Article], files.SiteSources, jinja2.Environment]:
    site_dir = options.site_dir
    # The scan made to look for the fast path, if any, saw the same files with the same signatures.
    # Without signatures from a last build every file is to be read: the workers that parse
    # them read and digest them, rather than the scan reading each one first.
    sources = scanned if scanned is not None else _scan(site_dir, store.scan, hash_markdown=bool(store.scan))
    report.extend(sources.problems)
    report.raise_if_failed()
    config, warnings = load_config(sources.config_text or "", "site.yaml", options.base_url)
    report.extend(warnings)
    config_key = Fingerprinter().digest(config)
    assets = {a: site_path(config, "/" + a.removeprefix("content/")) for a in sources.assets}
    env = make_environment(config, site_dir)
    env.auto_reload = False  # templates cannot change during one build: skip a stat per page
    # The templates are compiled while the workers parse, so the page workers inherit them.
    articles, diagnostics, read = parse_sources(sources.markdown_digests, site_dir, config, config_key, assets, store,
                                                jobs, progress=_stage_progress(options, "Reading articles"),
                                                meanwhile=functools.partial(compile_templates, env))
    report.extend(diagnostics)
    report.raise_if_failed()
    if read:
        sources = _with_digests(sources, read)
    store.remember_scan(dict(sources.markdown_signatures))
    return config, config_key, articles, sources, env


def _with_digests(sources: files.SiteSources, read: Mapping[str, files.FileSignature]) -> files.SiteSources:
    """Return the scan with the signatures of the Markdown files it left unread, as their readers found them."""
    signatures = tuple((path, sig if sig[4] else read[path]) for path, sig in sources.markdown_signatures)
    return replace(sources, markdown_signatures=signatures,
                   markdown_digests=tuple((path, sig[4]) for path, sig in signatures))


def _study_entries(
    entries: Sequence[Entry], fingerprints: Fingerprinter, jobs: int, meanwhile: Callable[[], None],
) -> dict[str, list[Entry]]:
    """Digest the entries into ``fingerprints`` and return each one's related briefings, both
    spread over workers; ``meanwhile`` runs here while they work."""
    index = RelatedIndex(entries)
    results = run_spans(_study_span, (fingerprints, entries, index), len(entries), jobs, meanwhile=meanwhile)
    fingerprints.learn(entries, [digest for digest, _related in results])
    return {entry.path: [entries[other] for other in related] for entry, (_digest, related) in zip(entries, results)}


def _study_span(
    work: tuple[Fingerprinter, Sequence[Entry], RelatedIndex], start: int, stop: int,
) -> list[tuple[str | None, tuple[int, ...]]]:
    fingerprints, entries, index = work
    digests = fingerprints.shared_digests(entries[start:stop])
    return [(digest, index.related(n)) for n, digest in zip(range(start, stop), digests)]


def _link_targets(config: SiteConfig, paths: dict[str, str], assets: tuple[str, ...]) -> dict[str, str]:
    """Return the URL of every file a body may link to: content assets and other articles."""
    targets: dict[str, str] = {a: site_path(config, "/" + a.removeprefix("content/")) for a in assets}
    targets.update({source: site_path(config, path) for source, path in paths.items()})
    return targets


@dataclass(frozen=True, slots=True)
class _Copy:
    """A static file or content asset copied into the output as it is."""

    source: Path
    label: str
    digest: str


def _copies(sources: files.SiteSources, site_dir: Path) -> dict[str, _Copy]:
    copies: dict[str, _Copy] = {}
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    planned = [(rel, path, _static_label(path, site_dir)) for rel, path in sources.static]
    planned += [(rel.removeprefix("content/"), site_dir / rel, rel) for rel in sources.assets]
    for rel, path, label in planned:
        if rel in owners:
            clashes.append(error(label, 1, f"output file {rel} is also written for {owners[rel]}"))
            continue
        owners[rel] = label
        copies[rel] = _Copy(path, label, files.file_digest(path))
    if clashes:
        raise BuildError(clashes)
    return copies


def _claim_outputs(pages: Sequence[PageSpec], copies: dict[str, _Copy]) -> list[PageSpec]:
    """Return the pages to render, refusing any output path planned twice (naming both sources)."""
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    specs: list[PageSpec] = []
    for spec in pages:
        if spec.output in owners:
            clashes.append(error(spec.source, 1, f"output file {spec.output} is also written for {owners[spec.output]}"))
            continue
        owners[spec.output] = spec.source
        specs.append(spec)
    for rel, copy in copies.items():
        if rel in owners:
            clashes.append(error(copy.label, 1, f"output file {rel} is also written for {owners[rel]}"))
    if clashes:
        raise BuildError(clashes)
    return specs


def _stage_progress(options: BuildOptions, stage: str) -> Callable[[int, int], None] | None:
    report = options.progress
    if report is None:
        return None
    return lambda done, total: report(stage, done, total)


def _inputs_digest(
    options: BuildOptions, config_key: str, sources: files.SiteSources, published: Sequence[Article],
    held_back: Sequence[HeldBack], env: jinja2.Environment, copies: dict[str, _Copy], code: str,
) -> str:
    """Return one digest of everything the output depends on: equal digests, equal output."""
    return _inputs_from(options, config_key, sources.markdown_digests, _published_key(published),
                        _held_key(held_back), env, copies, code)


def _inputs_from(
    options: BuildOptions, config_key: str, markdown_digests: Sequence[tuple[str, str]], published_key: str,
    held_key: str, env: jinja2.Environment, copies: dict[str, _Copy], code: str,
) -> str:
    fingerprints = Fingerprinter()
    return combine(
        code, config_key, all_templates_digest(env),
        fingerprints.digest((options.drafts, options.future, options.strict, options.search, options.base_url)),
        fingerprints.digest(list(markdown_digests)),
        published_key,
        held_key,
        fingerprints.digest(sorted((rel, c.digest) for rel, c in copies.items())),
    )


def _published_key(published: Sequence[Article]) -> str:
    return Fingerprinter().digest([a.path for a in published])


def _held_key(held_back: Sequence[HeldBack]) -> str:
    return Fingerprinter().digest(list(held_back))


def _outputs_intact(out_dir: Path, state: OutputState) -> bool:
    """Return whether every file of the last build is still as it was written."""
    return bool(state.files) and (out_dir / output.MANIFEST).is_file() and all(
        output.stat_matches(out_dir, rel, record[2], record[3]) for rel, record in state.files.items())


def _unchanged_result(
    out_dir: Path, state: OutputState, report: Report, started: float, timings: dict[str, float]
) -> BuildResult:
    summary = state.summary
    log.debug("nothing changed since the last build; stage timings: %s", {k: round(v, 3) for k, v in timings.items()})
    return BuildResult(
        output_dir=out_dir,
        pages=summary["pages"],
        topics=summary["topics"],
        articles=summary["articles"],
        held_back=summary["held_back"],
        warnings=summary["warnings"],
        written=0,
        removed=0,
        seconds=time.perf_counter() - started,
        timings=timings,
        page_sources={rel: record[4] for rel, record in state.files.items() if record[4]},
        base_url=summary["base_url"],
    )


@dataclass(frozen=True, slots=True)
class _Published:
    records: dict[str, FileRecord]
    written: list[str]
    removed: list[str]
    search: tuple[str, tuple[str, ...]] | None


def _render_and_publish(
    options: BuildOptions, memo: BuildMemo | None, env: jinja2.Environment, base_key: str,
    specs: list[PageSpec], copies: dict[str, _Copy], state: OutputState, jobs: int, timings: dict[str, float],
    fingerprints: Fingerprinter, meanwhile: Callable[[], None], stage: Path, folders: output.PendingFolders | None,
) -> _Published:
    """Render changed pages into the staging folder, then publish: nothing is replaced before all rendered."""
    site_dir, out_dir = options.site_dir, output_dir_for(options)
    try:
        mark = time.perf_counter()
        if folders is not None:
            folders.settle()
        job = PageJob(specs, env, site_dir, out_dir, stage, base_key,
                      template_keys(env, {s.template for s in specs}), state.files, fingerprints,
                      output.made_by_this_build(out_dir))
        results = render_pages(job, jobs, meanwhile, progress=_stage_progress(options, "Rendering pages"))
        errors = [d for r in results for d in r.diagnostics]
        if errors:
            raise BuildError(list(dict.fromkeys(errors))[:ERROR_LIMIT])
        records = {r.path: r.record for r in results if r.record is not None}
        staged = [r.path for r in results if r.status == "staged"]
        timings["templates"] = time.perf_counter() - mark
        search_record = None
        if options.search:
            mark = time.perf_counter()
            search_record = _add_search_index(job, records, copies, state, staged)
            timings["search"] = time.perf_counter() - mark
        mark = time.perf_counter()
        to_copy = _copies_to_make(out_dir, copies, state, records)
        if folders is not None:
            folders.wait()  # before the staging folder moves into place
        forget_output_state(site_dir, out_dir, memo)  # a crash while publishing must not leave a stale record
        done = output.commit_staged(out_dir, staged, to_copy, set(records))
        for rel, (size, mtime_ns) in done.stats.items():
            key, digest, _size, _mtime, source = records[rel]
            records[rel] = (key, digest, size, mtime_ns, source)
        timings["write"] = time.perf_counter() - mark
    except BaseException:
        output.discard_staging(out_dir, folders)
        raise
    return _Published(records, done.written, done.removed, search_record)


def _copies_to_make(
    out_dir: Path, copies: dict[str, _Copy], state: OutputState, records: dict[str, FileRecord]
) -> dict[str, Path]:
    """Record the copies already in place; return those to make (source changed or output altered)."""
    todo: dict[str, Path] = {}
    for rel, copy in copies.items():
        old = state.files.get(rel)
        if old is not None and old[0] == copy.digest and output.stat_matches(out_dir, rel, old[2], old[3]):
            records[rel] = old
            continue
        held = output.stat_if_copy(out_dir, rel, copy.source) if old is None else None
        records[rel] = (copy.digest, copy.digest, *(held or (0, 0)), "")
        if held is None:
            todo[rel] = copy.source
    return todo


class _OutputView(Mapping[str, bytes]):
    """The rendered pages as a read-only mapping, read from the staging or output folder on demand."""

    def __init__(self, out_dir: Path, paths: list[str]) -> None:
        self._out_dir = out_dir
        self._paths = paths

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._paths:
            raise KeyError(rel)
        return output.read_output_file(self._out_dir, rel)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _add_search_index(
    job: PageJob, records: dict[str, FileRecord], copies: dict[str, _Copy], state: OutputState, staged: list[str]
) -> tuple[str, tuple[str, ...]]:
    """Plan Pagefind's bundle like any page: rerun it only when some page's bytes changed."""
    pages = sorted(rel for rel in records if rel.endswith((".html", ".htm")))
    key = combine(job.base_key, _pagefind_identity(), *(f"{rel}={records[rel][1]}" for rel in pages))
    old: tuple[str, tuple[str, ...]] | None = state.summary.get("search")
    if old is not None and old[0] == key and all(
            rel in state.files and output.stat_matches(job.out_dir, rel, *state.files[rel][2:4]) for rel in old[1]):
        records.update({rel: state.files[rel] for rel in old[1]})
        return old
    bundle = search.build_index(_OutputView(job.out_dir, pages), job.site_dir)
    taken = sorted(p for p in bundle if p in records or p in copies)
    if taken:
        raise BuildError([error("site.yaml", 1, f"output file {taken[0]} is also written by the search index "
                                f"({search.BUNDLE_DIR}/ is reserved for it; or build with --no-search)")])
    for rel, data in sorted(bundle.items()):
        result = place_bytes(job, rel, digest_bytes(data), data, state.files.get(rel), "")
        if result.status == "error":
            raise BuildError(result.diagnostics)
        records[rel] = result.record  # type: ignore[assignment]
        if result.status == "staged":
            staged.append(rel)
    return key, tuple(sorted(bundle))


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
