"""What a build is asked for: ``BuildOptions``, resolved once into the folders it reads and writes."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from generator.build.parallel import default_jobs
from generator.content.paths import SitePaths

if TYPE_CHECKING:  # only named: a build with nothing to do never imports them (``build.site``)
    from generator.build.artifacts import CopiedFile
    from generator.build.pages import PageJob

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
    # Publish the pages first, then index them for search and publish the index: the dev server
    # shows a saved page without waiting for its search part. A build that publishes all at once
    # (the default) leaves the old output whole if indexing fails.
    search_after_pages: bool = False
    # Worker processes for parsing and rendering (--jobs); None means one per usable core.
    jobs: int | None = None
    # Told (stage, items done, items in all) on the long stages, for a progress bar.
    progress: Callable[[str, int, int], None] | None = None
    # The source paths (relative to the site folder, with '/') changed since the last build with the
    # same memo, as a file watcher saw them; None when unknown: every file is looked at.
    changed: frozenset[str] | None = None
    # Handed the pages' job and the files to copy once they are planned, before any page renders:
    # the dev server answers from them until the build has published (build.ondemand).
    on_plan: Callable[[PageJob, Mapping[str, CopiedFile]], None] | None = None

    @property
    def paths(self) -> SitePaths:
        """The folders this build reads and writes, resolved once."""
        return SitePaths.for_site(self.site_dir, self.output_dir)


def worker_count(options: BuildOptions) -> int:
    """Return how many worker processes the build runs (--jobs, or one per usable core)."""
    return options.jobs or default_jobs()


def stage_progress(options: BuildOptions, stage: str) -> Callable[[int, int], None] | None:
    """Return what tells the progress bar how far ``stage`` has come, if the command shows one."""
    report = options.progress
    if report is None:
        return None
    return lambda done, total: report(stage, done, total)
