"""The stages of the one build path after its first (``build.site``): read, plan, render, publish.

``newsbite build`` and ``newsbite serve`` both run them, through ``build.site.build_site``; they
differ only in where the memo lives (``<site>/.newsbite-cache/``, or a ``BuildMemo`` in memory).
"Incremental" is not a mode: every stage reuses what its inputs say is current (parsed articles
and rendered bodies by their files' digests, pages and copies by their inputs' digests), so a build
after a small edit renders and writes little, and a build with nothing changed renders and writes
nothing.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence

from generator.build import images, reuse
from generator.build.artifacts import (
    claimed_pages,
    copies_to_make,
    search_index,
    shared_inputs,
    site_structure,
)
from generator.build.cache import (
    BuildMemo,
    BuildSummary,
    KeyInputs,
    OutputRecord,
    OutputState,
    SearchIndex,
    StageResults,
    forget_output_state,
    outputs_intact,
    save_output_state,
)
from generator.build.fingerprint import combine, digest_text
from generator.build.pages import (
    ERROR_LIMIT,
    PageJob,
    fragment_shelf,
    key_inputs,
    render_pages,
    template_keys,
)
from generator.build.options import BuildOptions, stage_progress, worker_count
from generator.build.parallel import run_spans
from generator.build.reading import LoadedSite, read_articles, read_sources
from generator.build.sources import render_bodies
from generator.build.sourcestore import SourceStore
from generator.build.stages import StageTimer
from generator.content.articles import Article
from generator.content.config import SiteConfig, setting_line
from generator.content.paths import SitePaths
from generator.diagnostics import BuildError, Diagnostic, Report
from generator.model.body import RenderedBody
from generator.model.catalogue import (
    Catalogue,
    Entries,
    output_file,
    site_path,
)
from generator.model.plan import PageSpec, alias_clashes, plan_site, profile_problems
from generator.model.related import RelatedIndex
from generator.model.syndication import feed_pages, index_pages
from generator.publish import output

log = logging.getLogger(__name__)

# From this many articles on, a first build makes their folders in a helper process (starting it costs
# a few milliseconds; a small site's folders take less).
FOLDERS_APART = 256


@dataclass(frozen=True, slots=True)
class Plan:
    """Every artifact of the site: the pages (with feeds and sitemaps) to render, and the files to copy."""

    pages: list[PageSpec]
    bodies: Mapping[str, RenderedBody]  # each article's body, as the pages and feeds show it
    entries: Entries  # each article as templates see it, made when a page showing it renders
    structure: str  # the digest of the site's structure (catalogue.structure_of): the same one plans the same pages
    topics: int
    warnings: tuple[Diagnostic, ...]
    pictures: tuple[images.PictureFiles, ...] = ()  # the derivatives and social crops to make
    shared: str = ""  # what any page may show beside its context and articles (``artifacts.shared_inputs``)


@dataclass(frozen=True, slots=True)
class Rendered:
    """The records of every artifact after rendering, and the output files staged for publishing."""

    records: dict[str, OutputRecord]
    staged: list[str]
    to_copy: dict[str, Path]
    search: SearchIndex | None
    keyed: KeyInputs | None  # what the pages' keys were made from
    job: PageJob | None = None  # the pages' job, for a search index made after they are published


class Built(NamedTuple):
    """What the stages after the first did: the summary, every artifact's record, what was published."""

    summary: BuildSummary
    records: Mapping[str, OutputRecord]
    published: output.CommitReport
    reindexed: int | None  # article pages sent to the search index again; None without search


def build(options: BuildOptions, paths: SitePaths, memo: BuildMemo | None, stages: StageTimer, state: OutputState,
          signed: str, stamps: Mapping[str, tuple[int, int, int, int]] | None = None) -> Built:
    """Run every stage after the first (``build.site``): read, plan, render, publish, search, cache.

    ``state`` is the record of the last build into the output folder, and ``signed`` the stamps of
    the sources as this build began (``build.site.input_key``), which the new record keeps;
    ``stamps`` each content file's own, for the scan.
    """
    store = stages.run("cache", SourceStore, paths, memo)
    read = stages.run("read", read_sources, options, store, memo, stamps)
    # The plan is a pure function of the sources, settings and templates read (and of the time,
    # within the window the record names): when they equal the last build's and its output is
    # intact, the last plan is current, and so is every artifact in it. No article is even parsed.
    owned = memo is not None and memo.owns_output
    if state.current(read.inputs, read.now) and outputs_intact(paths.output_dir, state, owned):
        if signed != state.signed:  # the files were touched, not changed: the next build need not read them
            stages.run("cache", save_output_state, paths, replace(state, signed=signed), memo)
        stages.run("cache", store.save)
        assert state.summary is not None, "a record with inputs has a summary"
        last = state.summary.search
        return Built(state.summary, state.files, output.CommitReport([], [], {}), None if last is None else 0)
    loaded = stages.run("read", read_articles, options, read, store, memo)
    stage = output.open_staging(paths.output_dir)
    folders = _folders_meanwhile(stage, paths, loaded)
    try:
        plan = stages.run("plan", plan_artifacts, options, loaded, store, memo)
        rendered = stages.run("render", render_artifacts, options, paths, loaded, plan, state, store, stage, folders,
                              owned)
        published = stages.run("publish", publish_artifacts, paths, memo, rendered)
    except BaseException:
        output.discard_staging(paths.output_dir, folders)
        raise
    if rendered.job is not None and options.search and options.search_after_pages:
        rendered, indexed = stages.run("search", publish_search, options, paths, loaded, state, rendered)
        published = output.CommitReport([*published.written, *indexed.written], [*published.removed, *indexed.removed],
                                         {})
    summary = BuildSummary(len(plan.pages), plan.topics, len(loaded.published), loaded.held_back,
                           (*loaded.warnings, *plan.warnings), loaded.config.base_url, rendered.search)
    stages.run("cache", save_output_state, paths, OutputState(loaded.inputs, summary, rendered.records, rendered.keyed,
                                                                 loaded.selected, signed), memo)
    stages.run("cache", store.save)
    return Built(summary, rendered.records, published, None if rendered.search is None else rendered.search.reindexed)


def _folders_meanwhile(stage: Path, paths: SitePaths, loaded: LoadedSite) -> output.PendingFolders | None:
    # A first build into a folder of its own writes every page: while this process plans them, a
    # helper process makes the article pages' folders (on the core that would otherwise idle).
    if not output.made_by_this_build(paths.output_dir) or len(loaded.paths) < FOLDERS_APART:
        return None
    return output.make_folders_meanwhile(stage, [output_file(path) for path in loaded.paths.values()])


def plan_artifacts(options: BuildOptions, loaded: LoadedSite, store: SourceStore, memo: BuildMemo | None) -> Plan:
    """Return every artifact of the site with its inputs: stage "plan"."""
    config, published = loaded.config, loaded.published
    report = Report()
    results = StageResults(options.paths, memo)
    assets = set(loaded.sources.assets)
    pictures = images.picture_table(config, loaded.copies, options.paths, memo)
    make = reuse.Makers(
        link_targets=lambda: _link_targets(config, loaded.paths, loaded.sources.assets),
        bodies=lambda articles, targets: render_bodies(articles, options.site_dir, config.escape_html, targets, store,
                                                       worker_count(options), config.base_path),
        body_problems=lambda articles: images.body_picture_problems(config, articles, store, options.site_dir,
                                                                    pictures, assets),
        picture_files=lambda articles: images.picture_files(config, articles, loaded.copies, pictures, assets))
    derived = reuse.derive(config, loaded.selection, loaded.sources.assets, pictures,
                           results.last("derived", loaded.config_key), make)
    results.keep("derived", loaded.config_key, derived)
    bodies, cat = derived.bodies, derived.catalogue
    # The site's structure includes the topics', authors' and sources' URLs: colliding slugs are
    # numbered by first appearance. The pages and sitemaps follow from it (the order of the articles
    # is in it) and the settings, not from any article's own content: after an edit to wording, or
    # to a title that keeps the order, the last build's are current.
    shared = shared_inputs(loaded.flags, loaded.copies)
    topic_paths = digest_text(repr([(term.name, term.path) for term in (*cat.topics, *cat.authors, *cat.sources)]))
    structure = combine(site_structure(shared, loaded.selection.structure, loaded.held_back), topic_paths)
    pages = results.result("pages", combine(structure, loaded.config_key),
                           lambda: _plan_pages(options, loaded, cat, results, structure), on_disk=False)
    # The same pages, already found free of clashes, need no looking again: which URLs clash follows
    # from the structure alone (only a clash's line number would not).
    checked = combine(structure, loaded.config_key)
    known = results.last("pages without clashes", checked) is pages
    profiles = profile_problems(config, pictures, functools.partial(setting_line, loaded.sources.config_text or ""))
    problems = [*cat.problems, *([] if known else alias_clashes(pages, published)), *derived.body_problems,
                *profiles]
    report.extend(problems)
    report.extend(loaded.warnings)
    report.raise_if_failed(options.strict)
    if not known:
        claimed_pages(pages, loaded.copies)
        results.keep("pages without clashes", checked, pages)
    return Plan(pages, bodies, cat.entries, structure, len(cat.topics), tuple(problems), derived.picture_files,
                shared)


def _plan_pages(options: BuildOptions, loaded: LoadedSite, cat: Catalogue, results: StageResults,
                structure: str) -> list[PageSpec]:
    """Return every page of the site: articles, aliases, lists, feeds, sitemaps."""
    # Related briefings follow from each article's topics and date, in the site's order: an edit
    # to an author, a source or a correction leaves them as they were.
    topics_and_dates = digest_text(repr([(a.path, a.topics, a.date) for a in cat.articles]))
    related = results.result("related", topics_and_dates, lambda: _related_briefings(cat.articles, worker_count(options)))
    site = plan_site(loaded.config, cat, loaded.paths, loaded.held_back, options.search, related)
    indexes = results.result("indexes", combine(structure, loaded.config_key), lambda: index_pages(site))
    return [*site.pages, *feed_pages(site), *indexes]


def render_artifacts(
    options: BuildOptions, paths: SitePaths, loaded: LoadedSite, plan: Plan, state: OutputState,
    store: SourceStore, stage: Path, folders: output.PendingFolders | None, owned: bool = False,
) -> Rendered:
    """Render the artifacts whose inputs changed into the staging folder: stage "render"."""
    out_dir = paths.output_dir
    if folders is not None:
        folders.settle()
    # Which templates each one pulls in follows from their sources alone: a build that finds them
    # as they were does not parse them all again to find out.
    names = {s.template for s in plan.pages}
    templates = StageResults(paths, store.memo).result("template keys", combine(loaded.templates, repr(sorted(names))),
                                                       lambda: template_keys(loaded.env, names))
    job = PageJob(plan.pages, loaded.env, paths.site_dir, out_dir, stage, combine(store.code, loaded.config_key),
                  templates, state.files, plan.structure,
                  dict(loaded.sources.markdown_digests), output.made_by_this_build(out_dir), loaded.config, plan.bodies,
                  plan.entries, owned_output=owned, shared=plan.shared, shown_structure=plan.entries.shown_structure)
    if options.on_plan is not None:
        options.on_plan(job, loaded.copies)
    # The cache is saved while the workers render (parsed articles and bodies stay valid even if a
    # template fails).
    results = render_pages(job, worker_count(options), store.save, progress=stage_progress(options, "Rendering pages"),
                           keyed=state.keyed, shelf=fragment_shelf(job, paths.fragments_cache, store.memo))
    errors = [d for r in results for d in r.diagnostics]
    if errors:
        raise BuildError(list(dict.fromkeys(errors))[:ERROR_LIMIT], [*loaded.warnings, *plan.warnings])
    records = {r.path: r.record for r in results if r.record is not None}
    staged = [r.path for r in results if r.status == "staged"]
    index = None
    if options.search and not options.search_after_pages:
        index = search_index(job, records, loaded.copies, state, staged, worker_count(options),
                             stage_progress(options, "Indexing search"))
    elif options.search and state.summary is not None and state.summary.search is not None:
        # The index comes after the pages (``publish_search``): until then, the last one stays.
        records.update({rel: state.files[rel] for rel in state.summary.search.files if rel in state.files})
    to_copy = copies_to_make(out_dir, loaded.copies, state, records, owned)
    broken = images.place_pictures(paths, plan.pictures, state, records, to_copy, worker_count(options),
                                   loaded.config.images.quality)
    if broken:
        raise BuildError(images.body_picture_problems(loaded.config, loaded.published, store, paths.site_dir, {},
                                                      set(loaded.sources.assets), broken))
    if folders is not None:
        folders.wait()  # before the staging folder moves into place
    return Rendered(records, staged, to_copy, index, key_inputs(job), job)


def publish_search(options: BuildOptions, paths: SitePaths, loaded: LoadedSite, state: OutputState,
                   rendered: Rendered) -> tuple[Rendered, output.CommitReport]:
    """Index the published pages for search and publish the index: stage "search" (``search_after_pages``)."""
    assert rendered.job is not None
    stage = output.open_staging(paths.output_dir)
    try:
        job = replace(rendered.job, stage=stage)
        last = state.summary.search if state.summary is not None else None
        indexed = frozenset(() if last is None else last.files)  # the last index's files, unless made again
        records = {rel: record for rel, record in rendered.records.items() if rel not in indexed}
        staged: list[str] = []
        index = search_index(job, records, loaded.copies, state, staged, worker_count(options),
                             stage_progress(options, "Indexing search"))
        done = output.commit_staged(paths.output_dir, staged, {}, set(records))
    except BaseException:
        output.discard_staging(paths.output_dir, None)
        raise
    for rel, (size, mtime_ns) in done.stats.items():
        records[rel] = records[rel].with_stat(size, mtime_ns)
    return replace(rendered, records=records, staged=staged, search=index), done


def publish_artifacts(paths: SitePaths, memo: BuildMemo | None, rendered: Rendered) -> output.CommitReport:
    """Move the staged files into place, copy files, prune what is no longer planned: stage "publish"."""
    forget_output_state(paths, memo)  # a crash while publishing must not leave a stale record
    done = output.commit_staged(paths.output_dir, rendered.staged, rendered.to_copy, set(rendered.records))
    for rel, (size, mtime_ns) in done.stats.items():
        rendered.records[rel] = rendered.records[rel].with_stat(size, mtime_ns)
    return done


def _related_briefings(articles: Sequence[Article], jobs: int) -> dict[str, tuple[str, ...]]:
    """Return the paths of each article's related briefings, found over workers."""
    index = RelatedIndex(articles)
    results = run_spans(_related_span, (articles, index), len(articles), jobs)
    return {a.path: tuple(articles[other].path for other in related) for a, related in zip(articles, results)}


def _related_span(work: tuple[Sequence[Article], RelatedIndex], start: int, stop: int) -> list[tuple[int, ...]]:
    _articles, index = work
    return [index.related(n) for n in range(start, stop)]


def _link_targets(config: SiteConfig, paths: dict[str, str], assets: tuple[str, ...]) -> dict[str, str]:
    """Return the URL of every file a body may link to: content assets and other articles."""
    targets: dict[str, str] = {a: site_path(config, "/" + a.removeprefix("content/")) for a in assets}
    targets.update({source: site_path(config, path) for source, path in paths.items()})
    return targets
