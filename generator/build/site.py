"""The one build path, from its first stage: ``build_site``.

Its first stage decides whether the last build into the output folder is current from the stamps
of the sources alone (names, sizes, times, inodes), with none of them read: then the build is done,
having imported only what that takes. Otherwise the stages of ``build.pipeline`` read, plan,
render and publish. A build with nothing to do is the one a newsroom runs most (a deploy hook, a
script, a habit), and importing the whole generator would be half its time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple

from generator.build import collector
from generator.build.cache import (
    BuildMemo,
    BuildSummary,
    OutputRecord,
    OutputState,
    code_digest,
    load_output_state,
    outputs_intact,
)
from generator.build.fingerprint import combine
from generator.build.options import BuildOptions
from generator.build.stages import StageTimer
from generator.content.files import InputStamps, input_stamps, stamps_settled
from generator.content.paths import SitePaths, layout_dirs
from generator.diagnostics import Diagnostic, HeldBack
from generator.publish import output

log = logging.getLogger(__name__)


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
    # The output files this build wrote (their bytes changed).
    written_files: tuple[str, ...] = ()
    # The article pages this build sent to the search index again; None when search is off.
    reindexed: int | None = None


def build_site(options: BuildOptions, memo: BuildMemo | None = None) -> BuildResult:
    """Build the site; raise BuildError (content) or UsageError (command line) before publishing anything.

    Work whose inputs are unchanged is skipped, using the cache in ``<site>/.newsbite-cache/``
    or ``memo`` (a caller that builds again and again, the dev server, passes the same one each
    time). Either way the output is byte-identical to a build from scratch, and only files whose
    bytes changed are written.
    """
    with collector.paused():
        paths = options.paths
        stages = StageTimer()
        output.check_output_dir(paths.site_dir, paths.output_dir, options.force)
        state = stages.run("cache", load_output_state, paths, memo)
        # The dev server is told which files changed (its watcher) and keeps its records in memory:
        # stamping every source on each save would only slow it down.
        key = None if memo is not None else stages.run("read", input_key, options, paths)
        if key is not None and key.settled and key.signed == state.signed and state.summary is not None:
            now = options.now or dt.datetime.now(dt.timezone.utc)
            if state.publishes_same(now) and outputs_intact(paths.output_dir, state):
                last = state.summary.search
                return _result(paths, stages, state.summary, state.files, output.CommitReport([], [], {}),
                               None if last is None else 0)
        # The other stages import the whole generator, which a build with nothing to do (above)
        # does without: at 10,000 articles that is half of such a build's time.
        from generator.build import pipeline

        built = pipeline.build(options, paths, memo, stages, state, key.signed if key else "",
                               key.stamps.content if key else None)
        return _result(paths, stages, built.summary, built.records, built.published, built.reindexed)


class InputKey(NamedTuple):
    """What stands for every input of a build as it begins, from stamps alone."""

    signed: str  # the code, the options that reach the output, and every source file's stamp
    settled: bool  # no file changed in the last moments (``files.stamps_settled``): ``signed`` can be trusted now
    stamps: InputStamps


def input_key(options: BuildOptions, paths: SitePaths) -> InputKey:
    """Return what stands for every input of a build as it begins: the code, the options that reach
    the output, and the stamps of the settings, articles, assets, templates and static files. The
    record keeps it even when it cannot be trusted yet, for the builds that come later."""
    stamps = input_stamps(paths.site_dir, layout_dirs(paths.site_dir))
    flags = (options.drafts, options.future, options.strict, options.search, options.base_url)
    return InputKey(combine(code_digest(), repr(flags), stamps.digest), stamps_settled(stamps), stamps)


def _result(paths: SitePaths, stages: StageTimer, summary: BuildSummary, records: Mapping[str, OutputRecord],
            published: output.CommitReport, reindexed: int | None) -> BuildResult:
    log.debug("stage timings: %s", {k: round(v, 3) for k, v in stages.timings.items()})
    return BuildResult(
        output_dir=paths.output_dir, pages=summary.pages, topics=summary.topics, articles=summary.articles,
        held_back=summary.held_back, warnings=list(summary.warnings), written=len(published.written),
        removed=len(published.removed), seconds=stages.elapsed(), timings=stages.timings,
        page_sources={rel: record.source for rel, record in records.items() if record.source},
        base_url=summary.base_url, written_files=tuple(published.written), reindexed=reindexed,
    )
