"""The build: sources in, a complete site out, in stages that each return new values."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import disk, search
from .config import SiteConfig, load_config
from .content import Article, parse_article
from .diagnostics import BuildError, Diagnostic, Report, error
from .markup import RenderedBody, render_body
from .model import HeldBack, Site, article_paths, build_site, select_articles, site_path
from .syndication import syndication_pages
from .templates import DEFAULT_LAYOUTS, Output, layout_dirs, make_environment, render_page

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


def output_dir_for(options: BuildOptions) -> Path:
    """Return the output folder: --output, else public/ inside the site folder (SPEC section 8)."""
    return options.output_dir if options.output_dir is not None else options.site_dir / "public"


def full_build(options: BuildOptions) -> BuildResult:
    """Build the whole site; raise BuildError (content) or UsageError (command line) before writing anything."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    site_dir = options.site_dir
    out_dir = output_dir_for(options)
    disk.check_output_dir(site_dir, out_dir, options.force)
    report = Report()

    mark = time.perf_counter()
    config, articles, sources = _load(options, report)
    timings["load"] = time.perf_counter() - mark

    now = options.now or dt.datetime.now(config.tz)
    published, held_back = select_articles(articles, options.drafts, options.future, now)
    paths, clashes = article_paths(config, published)
    report.extend(clashes)
    report.raise_if_failed()

    mark = time.perf_counter()
    bodies = _render_bodies(config, published, paths, set(sources.assets))
    timings["markdown"] = time.perf_counter() - mark

    site, problems = build_site(config, published, paths, bodies, set(sources.assets), held_back,
                                search=options.search)
    report.extend(problems)
    report.raise_if_failed(options.strict)
    site = replace(site, pages=site.pages + tuple(syndication_pages(site, bodies)))

    mark = time.perf_counter()
    outputs = _render_pages(config, site, site_dir)
    timings["templates"] = time.perf_counter() - mark
    files, copies = _plan_files(outputs, sources, site_dir)
    if options.search:
        mark = time.perf_counter()
        _add_search_index(files, copies, site_dir)
        timings["search"] = time.perf_counter() - mark

    mark = time.perf_counter()
    written = disk.write_site(out_dir, files, copies)
    timings["write"] = time.perf_counter() - mark
    log.debug("stage timings: %s", {k: round(v, 3) for k, v in timings.items()})
    return BuildResult(
        output_dir=out_dir,
        pages=len(site.pages),
        topics=len(site.topics),
        articles=len(site.entries),
        held_back=site.held_back,
        warnings=report.warnings,
        written=len(written.written),
        removed=len(written.removed),
        seconds=time.perf_counter() - started,
        timings=timings,
        page_sources={o.path: o.source for o in outputs},
        base_url=config.base_url,
    )


def _load(options: BuildOptions, report: Report) -> tuple[SiteConfig, list[Article], disk.SiteSources]:
    site_dir = options.site_dir
    static_dirs = [d / "static" for d in reversed(layout_dirs(site_dir))]
    sources = disk.scan_site(site_dir, static_dirs)
    report.extend(sources.problems)
    report.raise_if_failed()
    config, warnings = load_config(sources.config_text or "", "site.yaml", options.base_url)
    report.extend(warnings)
    articles: list[Article] = []
    for path, text in sources.markdown:
        article, diagnostics = parse_article(path, text, config)
        report.extend(diagnostics)
        if article is not None:
            articles.append(article)
    report.raise_if_failed()
    return config, articles, sources


def _render_bodies(
    config: SiteConfig, articles: list[Article], paths: dict[str, str], assets: set[str]
) -> dict[str, RenderedBody]:
    """Render every article body, resolving relative links to content files and other articles."""
    targets: dict[str, str] = {a: site_path(config, "/" + a.removeprefix("content/")) for a in assets}
    targets.update({source: site_path(config, path) for source, path in paths.items()})
    return {a.path: render_body(a.path, a.body, config.escape_html, targets.get) for a in articles}


def _render_pages(config: SiteConfig, site: Site, site_dir: Path) -> list[Output]:
    env = make_environment(config, site_dir)
    errors: list[Diagnostic] = []
    outputs: list[Output] = []
    for spec in site.pages:
        try:
            outputs.append(render_page(env, spec, site_dir))
        except BuildError as exc:
            errors.extend(exc.diagnostics)
            if len(errors) >= 20:  # one broken template fails every page; twenty say enough
                break
    if errors:
        raise BuildError(dict.fromkeys(errors))
    return outputs


def _plan_files(
    outputs: list[Output], sources: disk.SiteSources, site_dir: Path
) -> tuple[dict[str, bytes], dict[str, Path]]:
    """Return the output files and copies, refusing any path planned twice (naming both sources)."""
    owners: dict[str, str] = {}
    clashes: list[Diagnostic] = []
    files: dict[str, bytes] = {}
    copies: dict[str, Path] = {}

    def claim(path: str, source: str) -> bool:
        if path in owners:
            clashes.append(error(source, 1, f"output file {path} is also written for {owners[path]}"))
            return False
        owners[path] = source
        return True

    for output in outputs:
        if claim(output.path, output.source):
            files[output.path] = output.data
    for rel, path in sources.static:
        if claim(rel, _static_label(path, site_dir)):
            copies[rel] = path
    for rel in sources.assets:
        if claim(rel.removeprefix("content/"), rel):
            copies[rel.removeprefix("content/")] = site_dir / rel
    if clashes:
        raise BuildError(clashes)
    return files, copies


def _add_search_index(files: dict[str, bytes], copies: dict[str, Path], site_dir: Path) -> None:
    """Add Pagefind's bundle to the planned files, so it is written, listed and pruned like them."""
    bundle = search.build_index(files, site_dir)
    taken = sorted(p for p in bundle if p in files or p in copies)
    if taken:
        raise BuildError([error("site.yaml", 1, f"output file {taken[0]} is also written by the search index "
                                f"({search.BUNDLE_DIR}/ is reserved for it; or build with --no-search)")])
    files.update(bundle)


def _static_label(path: Path, site_dir: Path) -> str:
    """Name a static file for diagnostics: relative to the site, or as a default layout file."""
    for root, prefix in ((site_dir, ""), (DEFAULT_LAYOUTS, "(default layouts)/")):
        if path.is_relative_to(root):
            return prefix + path.relative_to(root).as_posix()
    return path.as_posix()
