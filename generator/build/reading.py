"""Stage "read" of the build path: the site's files scanned, its settings and templates read, then
(when a build is due) its articles parsed and the published ones selected.

``read_sources`` gives what decides whether the last build's output is current before any article
is parsed (``SourcesRead.inputs``); ``read_articles`` parses what changed and selects the articles
(``LoadedSite``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

import jinja2
import jinja2.bccache

from generator.build import reuse
from generator.build.artifacts import CopiedFile, copied_files, fingerprinted_names, plan_inputs
from generator.build.cache import BuildMemo, StageResults
from generator.build.fingerprint import Fingerprinter, combine, digest_text
from generator.build.options import BuildOptions, stage_progress, worker_count
from generator.build.pages import all_templates_digest
from generator.build.sources import parse_sources
from generator.build.sourcestore import SourceStore
from generator.content.articles import Article
from generator.content.config import SiteConfig, load_config
from generator.content.files import FileSignature, SiteSources, rescan, scan_site
from generator.content.paths import SitePaths, layout_dirs
from generator.diagnostics import Diagnostic, HeldBack, Report
from generator.model.catalogue import site_path
from generator.publish import output
from generator.render.templates import compile_templates, make_environment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourcesRead:
    """The sources as scanned, the settings, templates and copied files: what decides whether the
    last build's output is current, before any article is parsed."""

    config: SiteConfig
    config_key: str
    sources: SiteSources
    copies: dict[str, CopiedFile]
    signed: dict[str, FileSignature]  # the copied files' signatures, kept with the scan's
    env: jinja2.Environment
    templates: str  # the digest of every template's source (``pages.all_templates_digest``)
    flags: tuple[bool, bool, bool, bool, str | None]  # the options that reach the output
    inputs: str  # the digest of everything the plan is made from but the time ("" when unknown)
    warnings: tuple[Diagnostic, ...]
    now: dt.datetime  # the time articles are published by


@dataclass(frozen=True, slots=True)
class LoadedSite:
    """The sources read: settings, the published articles and their URLs, the files copied as they are."""

    config: SiteConfig
    config_key: str
    sources: SiteSources
    published: list[Article]
    held_back: tuple[HeldBack, ...]
    paths: dict[str, str]  # article source -> its URL path
    copies: dict[str, CopiedFile]
    env: jinja2.Environment
    templates: str  # the digest of every template's source
    flags: tuple[bool, bool, bool, bool, str | None]  # the options that reach the output
    inputs: str  # the digest of everything the plan is made from but the time
    warnings: tuple[Diagnostic, ...]
    selection: reuse.Selection  # what published, held_back and paths come from

    @property
    def selected(self) -> tuple[dt.datetime, dt.datetime | None]:
        """When the articles were selected, and until when the same would be (``OutputState.selected``)."""
        return self.selection.now, self.selection.holds_until


def read_sources(options: BuildOptions, store: SourceStore, memo: BuildMemo | None,
                 stamps: Mapping[str, tuple[int, int, int, int]] | None = None) -> SourcesRead:
    """Return the site's sources as scanned, its settings, templates and copied files: stage "read".

    ``stamps``: each content file's stamp as the build began (``files.input_stamps``), if taken.
    """
    paths = options.paths
    report = Report()
    static_dirs = [d / "static" for d in reversed(layout_dirs(paths.site_dir))]
    sources = _scan(options, store, memo, static_dirs, stamps)
    report.extend(sources.problems)
    report.raise_if_failed()
    config, warnings = load_config(sources.config_text or "", "site.yaml", options.base_url)
    report.extend(warnings)
    fingerprinted = fingerprinted_names(sources)
    # Pages print the static files' digest names: a changed stylesheet is a change of settings.
    config_key = combine(Fingerprinter().digest(config), digest_text(repr(sorted(fingerprinted.items()))))
    env, templates = _environment(config, config_key, paths, memo, fingerprinted)
    signed: dict[str, FileSignature] = {}  # the copied files' signatures, kept beside the Markdown files'
    copies = copied_files(sources, paths.site_dir, store.scan, signed, fingerprinted)
    flags = (options.drafts, options.future, options.strict, options.search, options.base_url)
    if all(digest for _path, digest in sources.markdown_digests):
        store.remember_scan({**dict(sources.markdown_signatures), **signed})
    return SourcesRead(config, config_key, sources, copies, signed, env, templates, flags,
                       _inputs(store, config_key, sources, copies, templates, flags, report.warnings),
                       tuple(report.warnings), options.now or dt.datetime.now(config.tz))


def _inputs(store: SourceStore, config_key: str, sources: SiteSources, copies: Mapping[str, CopiedFile],
            templates: str, flags: tuple[bool, bool, bool, bool, str | None],
            warnings: Sequence[Diagnostic]) -> str:
    """Return the digest of everything the plan is made from but the time ("" while a Markdown
    file's digest is unknown). Articles, their warnings and which are published follow from these."""
    if not all(digest for _path, digest in sources.markdown_digests):
        return ""
    return combine(plan_inputs(flags, config_key, sources.markdown_digests, templates, copies, store.code),
                   digest_text(repr(list(warnings))))


def read_articles(options: BuildOptions, read: SourcesRead, store: SourceStore, memo: BuildMemo | None) -> LoadedSite:
    """Return the published articles, their URLs, and those held back: stage "read", when a build is due."""
    paths = options.paths
    report = Report()
    config, sources = read.config, read.sources
    assets = {a: site_path(config, "/" + a.removeprefix("content/")) for a in sources.assets}
    # The templates are compiled while the workers parse, so the page workers inherit them.
    articles, diagnostics, unread = parse_sources(
        sources.markdown_digests, paths.site_dir, config, assets, store, worker_count(options),
        progress=stage_progress(options, "Reading articles"), meanwhile=functools.partial(compile_templates, read.env))
    report.extend(diagnostics)
    report.raise_if_failed()
    inputs = read.inputs
    if unread:
        sources = _with_digests(sources, unread)
        store.remember_scan({**dict(sources.markdown_signatures), **read.signed})
        inputs = _inputs(store, read.config_key, sources, read.copies, read.templates, read.flags, read.warnings)
    if memo is not None:
        memo.scanned = sources
    results = StageResults(paths, memo)
    choice = combine(read.config_key, repr((options.drafts, options.future)))
    selection = reuse.select(config, articles, options.drafts, options.future, read.now,
                             results.last("selection", choice))
    results.keep("selection", choice, selection)
    report.extend(selection.clashes)
    report.raise_if_failed()
    return LoadedSite(config, read.config_key, sources, selection.published, tuple(selection.held_back),
                      selection.urls, read.copies, read.env, read.templates, read.flags, inputs,
                      (*read.warnings, *report.warnings), selection)


def _scan(options: BuildOptions, store: SourceStore, memo: BuildMemo | None, static_dirs: list[Path],
          stamps: Mapping[str, tuple[int, int, int, int]] | None) -> SiteSources:
    """Return the site's sources: the memo's last scan with the changed files looked at again, when
    the watcher says which changed, else a whole scan."""
    last = None
    if memo is not None:
        last, memo.scanned = memo.scanned, None  # taken: a build that fails before its own scan is whole scans again
    sources = None
    if last is not None and options.changed is not None:
        sources = rescan(options.site_dir, last, options.changed)
    if sources is None:
        # Without signatures from a last build every file is to be read: the workers that parse
        # them read and digest them, rather than the scan reading each one first.
        sources = scan_site(options.site_dir, static_dirs, read_markdown=False, known=store.scan,
                            hash_markdown=bool(store.scan), stamps=stamps)
    if memo is not None:
        memo.scanned = sources
    return sources


def _environment(config: SiteConfig, config_key: str, paths: SitePaths, memo: BuildMemo | None,
                 fingerprinted: Mapping[str, str]) -> tuple[jinja2.Environment, str]:
    """Return the template environment and the digest of every template's source; the dev server
    keeps its last environment, with the templates it has compiled, while the settings and every
    template's source are unchanged."""
    env = make_environment(config, paths.site_dir, fingerprinted)
    env.auto_reload = False  # templates cannot change during one build: skip a stat per page
    env.bytecode_cache = CompiledTemplates(paths)
    templates = all_templates_digest(env)
    if memo is None:
        return env, templates
    key = combine(config_key, templates)
    if memo.environment is not None and memo.environment[0] == key:
        return memo.environment[1], templates
    memo.environment = (key, env)
    return env, templates


def _with_digests(sources: SiteSources, read: Mapping[str, FileSignature]) -> SiteSources:
    """Return the scan with the signatures of the Markdown files it left unread, as their readers found them."""
    signatures = tuple((path, sig if sig[4] else read[path]) for path, sig in sources.markdown_signatures)
    return replace(sources, markdown_signatures=signatures,
                   markdown_digests=tuple((path, sig[4]) for path, sig in signatures))


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
