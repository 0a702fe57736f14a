"""The dev server's fast path: an edit to a few articles, applied to the last build's site model.

A full rebuild re-reads, re-digests and re-plans the whole site to find what an edit changed. The
commonest save in ``newsbite serve`` changes one article's wording (title, standfirst, body, image
caption, updated date) and nothing that shapes the site. For that case this module starts from the
model of the last successful build (``LastSite``, kept in the ``BuildMemo``) and:

1. re-reads and re-parses only the changed Markdown files, and gives up (the caller then builds in
   full) unless every field outside ``ENTRY_FIELDS`` is unchanged and each article keeps its place
   in the newest-first order: then URLs, lists, pagination, topics, related briefings, redirects
   and which articles are published are all as before;
2. renders their bodies and entries, puts the new entries wherever the old ones were (the site's
   entries, its topics, every page context holding them, found through a reverse index), and
   re-plans the article page itself and the feeds and sitemaps derived from entries;
3. renders only those pages, through the same page job and writer as a full build, so unchanged
   bytes are not written and the output record (and manifest) stay exact.

Anything else (a new, deleted or renamed file, an asset, a layout, site.yaml, a structural
front-matter change, another build's options) returns None, and the caller builds in full.
The output is byte-identical to a clean build's; tests/e2e/test_incremental_fast*.py prove it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import jinja2

from generator.build.cache import (
    BuildMemo,
    FileRecord,
    OutputState,
    forget_output_state,
    save_output_state,
)
from generator.build.pages import ERROR_LIMIT, PageJob, render_pages, template_keys
from generator.build.sources import decoded_bodies, stored_body
from generator.content import files
from generator.content.articles import Article, parse_article
from generator.content.config import SiteConfig
from generator.diagnostics import BuildError, Diagnostic, Report
from generator.model.body import RenderedBody
from generator.model.catalogue import Entry, TopicLink, make_entry
from generator.model.feeds import last_changed
from generator.model.plan import PageSpec, Site, article_page
from generator.model.syndication import (
    feed_bodies,
    news_sitemap_spec,
    site_feed_specs,
    sitemap_specs,
    topic_feed_specs,
)
from generator.publish import output
from generator.render.markup import render_body

if TYPE_CHECKING:
    from generator.build.pipeline import BuildOptions, BuildResult

# Article fields that reach nothing but the article's own entry (and so the pages, feeds and
# sitemaps holding it). Every other field, including any added later, counts as structural.
ENTRY_FIELDS = frozenset({
    "title", "date_only", "body", "body_line", "updated", "updated_date_only", "standfirst", "source",
    "authors", "original_url", "image", "extra", "lines",
})
_MARKDOWN = (".md", ".markdown")


@dataclass(slots=True)
class _Derived:
    positions: dict[str, int] | None = None  # source -> place in the newest-first order
    holders: dict[str, list[int]] | None = None  # source -> plan index of each page holding its entry
    at: dict[str, int] | None = None  # output file -> plan index
    template_keys: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class LastSite:
    """The model of the last successful build into one output folder, and the inputs it came from."""

    options: Any  # the BuildOptions, without ``jobs`` (which never changes the output)
    out_dir: Path
    config: SiteConfig
    base_key: str
    env: jinja2.Environment
    published: tuple[Article, ...]  # newest first, without bodies
    paths: Mapping[str, str]  # source -> URL path relative to the site root
    targets: Mapping[str, str]  # every link target a body may resolve -> its URL
    assets: frozenset[str]
    held: frozenset[str]  # sources held back (drafts, future dates)
    site: Site
    bodies: Mapping[str, RenderedBody]
    warnings: tuple[Diagnostic, ...]
    # The earliest date at which a held-back article would be published: from then on, only a
    # full build is right.
    next_due: dt.datetime | None
    # Sources changed since this model was built whose rebuild failed (a broken file).
    pending: frozenset[str] = frozenset()
    # Derived from the site's structure, which the fast path never changes: computed on first
    # use and shared by every model that follows.
    derived: _Derived = field(default_factory=lambda: _Derived())


def capture(
    options: BuildOptions, out_dir: Path, config: SiteConfig, base_key: str, env: jinja2.Environment,
    articles: Sequence[Article], published: Sequence[Article], paths: Mapping[str, str],
    targets: Mapping[str, str], assets: Sequence[str], site: Site, bodies: Mapping[str, RenderedBody],
    warnings: Sequence[Diagnostic], now: dt.datetime,
) -> LastSite:
    """Return what a successful full build hands to the fast path (references, nothing copied)."""
    due = [a.date for a in articles if (options.drafts or not a.draft) and a.date > now] if not options.future else []
    held = frozenset(h.path for h in site.held_back)
    return LastSite(dataclasses.replace(options, jobs=None), out_dir.resolve(), config, base_key, env,
                    tuple(published), paths, targets, frozenset(assets), held, site, bodies, tuple(warnings),
                    min(due, default=None))


def prepare(memo: BuildMemo) -> None:
    """Derive the indexes and compile the templates the next fast rebuild needs (0.2 s on 10,000 articles).

    The dev server calls this right after a full build has been published, so the author's
    next save does not wait for it; without it the first fast rebuild does the same work.
    """
    last: LastSite | None = memo.last_site
    if last is None:
        return
    _positions(last)
    _holders(last)
    _plan_index(last)
    for name in _template_keys(last):
        # A full build renders in worker processes: this process may not have compiled them.
        last.env.get_template(name)


def rebuild(
    options: BuildOptions, out_dir: Path, memo: BuildMemo, changed: frozenset[str], recheck: bool = False
) -> BuildResult | None:
    """Apply an edit of the sources ``changed`` (relative to the site) to the last model; None if it cannot.

    With ``recheck``, the output may hold later versions of ``changed`` than the model: every
    feed and sitemap that could show them is checked against its output record too (by its
    key, so an unchanged one costs no rendering), not only those that differ from the model.

    Raises BuildError like a full build when a changed file is broken; the model is kept, and the
    file is tried again with the next change.
    """
    last: LastSite | None = memo.last_site
    if last is None:
        return None
    started = time.perf_counter()
    todo = last.pending | changed
    state = memo.outputs.get(out_dir.resolve())
    plan = _plan(last, options, out_dir, todo)
    if plan is None or state is None or not state.files:
        return None
    try:
        return _apply(last, options, memo, state, plan, todo, started, recheck)
    except BuildError:
        memo.last_site = dataclasses.replace(last, pending=todo)
        raise
    except BaseException:
        memo.last_site = None
        raise


def _plan(last: LastSite, options: BuildOptions, out_dir: Path, todo: frozenset[str]) -> list[str] | None:
    """Return the published articles to re-read, or None when the edit may reach beyond them."""
    if (dataclasses.replace(options, jobs=None) != last.options or out_dir.resolve() != last.out_dir
            or options.search or options.strict):
        return None
    if last.next_due is not None and (options.now or dt.datetime.now(last.config.tz)) >= last.next_due:
        return None
    positions = _positions(last)
    articles: list[str] = []
    for path in sorted(todo):
        where = options.site_dir / path
        if path in positions and path.lower().endswith(_MARKDOWN) and where.is_file() and not where.is_symlink():
            articles.append(path)
        elif path.startswith("content/") and not os.path.lexists(where) and not _known_under(last, path):
            continue  # an editor's temporary file, already gone: no build ever saw it
        else:
            return None
    return articles


def _known_under(last: LastSite, path: str) -> bool:
    """Return whether the last build read ``path`` or anything inside it (a deleted folder)."""
    folder = path.rstrip("/") + "/"
    known = (*_positions(last), *last.assets, *last.held)
    return any(p == path or p.startswith(folder) for p in known)


def _apply(
    last: LastSite, options: BuildOptions, memo: BuildMemo, state: OutputState, plan: list[str],
    todo: frozenset[str], started: float, recheck: bool,
) -> BuildResult | None:
    from generator.build.pipeline import (  # build imports this module
        BuildResult,
        output_dir_for,
    )

    timings: dict[str, float] = {}
    mark = time.perf_counter()
    articles = _read(options.site_dir, plan, last.config)
    if not _keeps_structure(last, articles):
        return None
    config, site = last.config, last.site
    bodies = dict(last.bodies)
    problems: list[Diagnostic] = []
    topic_links = {t.name: TopicLink(t.name, t.url) for t in site.topics}
    swap: dict[str, Entry] = {}
    for path, (article, _warnings) in articles.items():
        body = render_body(path, article.body, config.escape_html, last.targets.get, config.base_path)
        bodies[path] = RenderedBody(stored_body(body.html), body.first_paragraph)
        swap[path] = make_entry(config, article, last.paths[path], bodies[path], topic_links, set(last.assets), problems)
    timings["markdown"] = time.perf_counter() - mark

    mark = time.perf_counter()
    new_site, dirty = _substitute(last, swap, bodies, recheck)
    timings["model"] = time.perf_counter() - mark

    warnings = [w for w in last.warnings if w.path not in swap]
    warnings += [w for _a, found in articles.values() for w in found] + problems
    report = Report(warnings)
    published = list(last.published)
    positions = _positions(last)
    for path, (article, _warnings) in articles.items():
        published[positions[path]] = dataclasses.replace(article, body="")

    mark = time.perf_counter()
    files = _publish(last, options, memo, state, [new_site.pages[i] for i in sorted(dirty)], report.warnings)
    timings["write"] = time.perf_counter() - mark
    memo.last_site = dataclasses.replace(last, published=tuple(published), site=new_site, bodies=bodies,
                                         warnings=tuple(report.warnings), pending=frozenset())
    return BuildResult.published(output_dir_for(options), new_site, report.warnings, files, started, timings, config.base_url,
                                 fast=True)


def _read(site_dir: Path, plan: list[str], config: SiteConfig) -> dict[str, tuple[Article, list[Diagnostic]]]:
    """Return each changed article with its warnings; raise BuildError as a full build would."""
    report = Report()
    found: dict[str, tuple[Article, list[Diagnostic]]] = {}
    for path in plan:
        text, _digest, problems = files.read_markdown_file(site_dir, path)
        report.extend(problems)
        if text is None:
            continue
        article, diagnostics = parse_article(path, text, config)
        report.extend(diagnostics)
        if article is not None:
            found[path] = (article, [d for d in diagnostics if d.severity != "error"])
    report.raise_if_failed()
    return found


def _keeps_structure(last: LastSite, articles: Mapping[str, tuple[Article, list[Diagnostic]]]) -> bool:
    """Return whether the edited articles shape the site exactly as before (same place in the order too)."""
    positions = _positions(last)
    names = [f.name for f in dataclasses.fields(Article) if f.name not in ENTRY_FIELDS]

    def at(index: int) -> Article:
        old = last.published[index]
        return articles[old.path][0] if old.path in articles else old

    for path, (article, _warnings) in articles.items():
        index = positions[path]
        old = last.published[index]
        if any(getattr(old, name) != getattr(article, name) for name in names):
            return False
        # select_articles orders by (date, title, path): a new title may move it among equal dates.
        if index > 0 and not _order(at(index - 1)) < _order(article):
            return False
        if index + 1 < len(last.published) and not _order(article) < _order(at(index + 1)):
            return False
    return True


def _order(article: Article) -> tuple[float, str, str]:
    return (-article.date.timestamp(), article.title, article.path)


def _positions(last: LastSite) -> dict[str, int]:
    if last.derived.positions is None:
        last.derived.positions = {a.path: i for i, a in enumerate(last.published)}
    return last.derived.positions


def _holders(last: LastSite) -> dict[str, list[int]]:
    """Return, per article, the plan index of every page whose context holds its entry."""
    if last.derived.holders is None:
        holders: dict[str, list[int]] = {}
        for index, spec in enumerate(last.site.pages):
            for value in spec.context.values():
                for entry in _entries_in(value):
                    holders.setdefault(entry.path, []).append(index)
        last.derived.holders = holders
    return last.derived.holders


def _plan_index(last: LastSite) -> dict[str, int]:
    if last.derived.at is None:
        last.derived.at = {spec.output: i for i, spec in enumerate(last.site.pages)}
    return last.derived.at


def _template_keys(last: LastSite) -> dict[str, str]:
    if last.derived.template_keys is None:
        last.derived.template_keys = template_keys(last.env, {s.template for s in last.site.pages})
    return last.derived.template_keys


def _entries_in(value: Any) -> list[Entry]:
    if isinstance(value, Entry):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Entry)]
    return []


def _swapped(value: Any, swap: Mapping[str, Entry]) -> Any:
    if isinstance(value, Entry):
        return swap.get(value.path, value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Entry) for v in value):
        return type(value)(swap.get(v.path, v) if isinstance(v, Entry) else v for v in value)
    return value


def _substitute(
    last: LastSite, swap: Mapping[str, Entry], bodies: Mapping[str, RenderedBody], recheck: bool = False
) -> tuple[Site, set[int]]:
    """Return the site with the new entries in place, and the plan index of every page they change."""
    site, config = last.site, last.config
    holders = _holders(last)
    positions = _positions(last)
    entries = list(site.entries)
    for path, entry in swap.items():
        entries[positions[path]] = entry
    names = {link.name for entry in swap.values() for link in entry.topics}
    topics = [dataclasses.replace(t, entries=tuple(_swapped(list(t.entries), swap))) if t.name in names else t
              for t in site.topics]
    pages = list(site.pages)
    dirty: set[int] = set()
    for index in sorted({i for path in swap for i in holders.get(path, ())}):
        spec = pages[index]
        context = {key: _swapped(value, swap) for key, value in spec.context.items()}
        article = spec.context.get("article")
        if isinstance(article, Entry) and article.path in swap:
            # The article's own page: its <head> and comments derive from the entry, so plan it anew.
            spec = article_page(config, context["nav"], swap[article.path], bodies[article.path].html,
                                context["related"])
        else:
            spec = dataclasses.replace(spec, context=context)
        pages[index] = spec
        dirty.add(index)
    new_site = dataclasses.replace(site, entries=tuple(entries), topics=tuple(topics), pages=tuple(pages))
    _replan_syndication(last, new_site, swap, bodies, pages, dirty, recheck)
    return dataclasses.replace(new_site, pages=tuple(pages)), dirty


def _replan_syndication(
    last: LastSite, site: Site, swap: Mapping[str, Entry], bodies: Mapping[str, RenderedBody],
    pages: list[PageSpec], dirty: set[int], recheck: bool,
) -> None:
    """Re-plan the feeds carrying a new entry, and the sitemaps when an entry's last change moved."""
    at = _plan_index(last)
    size = last.config.feed_size
    html = feed_bodies(decoded_bodies(bodies))
    made: dict[str, Any] = {}
    replanned: list[PageSpec] = []
    if any(e.path in swap for e in site.entries[:size]):
        replanned += site_feed_specs(site, html, made)
    for topic in site.topics:
        if any(e.path in swap for e in topic.entries[:size]):
            replanned += topic_feed_specs(site, topic, html, made)
    old = {e.path: e for e in last.site.entries if e.path in swap}
    if recheck or any(last_changed(old[path]) != last_changed(entry) for path, entry in swap.items()):
        replanned += sitemap_specs(site)
    replanned.append(news_sitemap_spec(site))
    for spec in replanned:
        index = at[spec.output]
        if recheck or pages[index].context != spec.context:
            pages[index] = spec
            dirty.add(index)


@dataclass(frozen=True, slots=True)
class _Written:
    records: dict[str, FileRecord]
    written: list[str]
    removed: list[str]


def _publish(
    last: LastSite, options: BuildOptions, memo: BuildMemo, state: OutputState, specs: list[PageSpec],
    warnings: list[Diagnostic],
) -> _Written:
    """Render ``specs`` as a full build would, write the changed bytes, and keep the output record exact."""
    site_dir, out_dir = options.site_dir, last.out_dir
    stage = output.open_staging(out_dir)
    try:
        job = PageJob(specs, last.env, site_dir, out_dir, stage, last.base_key, _template_keys(last), state.files)
        results = render_pages(job, 1)
        errors = [d for r in results for d in r.diagnostics]
        if errors:
            raise BuildError(list(dict.fromkeys(errors))[:ERROR_LIMIT])
        records = dict(state.files)
        records.update((r.path, r.record) for r in results if r.record is not None)
        staged = [r.path for r in results if r.status == "staged"]
        forget_output_state(site_dir, out_dir, memo)  # a crash while publishing must not leave a stale record
        done = output.commit_staged(out_dir, staged, {}, set(records))
    except BaseException:
        output.discard_staging(out_dir)
        raise
    for rel, (size, mtime_ns) in done.stats.items():
        key, digest, _size, _mtime, source = records[rel]
        records[rel] = (key, digest, size, mtime_ns, source)
    # No whole-input digest: the next full build must compare page by page, never skip as unchanged.
    save_output_state(site_dir, out_dir, OutputState("", dict(state.summary, warnings=warnings), records), memo)
    return _Written(records, done.written, done.removed)
