"""The output of a build in flight, as its plan says it will be: any planned file, made on request.

``newsbite serve`` answers before its first build has written anything. Once that build has
planned its artifacts it hands over the job its pages render from (``BuildOptions.on_plan``);
a request for a planned page is then rendered at once by ``pages.render_pages`` itself, from the
same ``PageJob`` (the same environment, bodies and settings), so it gets the bytes the build
writes a moment later, while the build goes on rendering every page. A file copied as it is comes
from its source. A path the plan does not hold is not part of the site: the server says 404.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import posixpath
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Mapping

from generator.build.artifacts import CopiedFile
from generator.build.pages import PageJob, render_pages
from generator.diagnostics import Diagnostic
from generator.model.feeds import FeedItem
from generator.model.plan import PageSpec

log = logging.getLogger(__name__)

# One render at a time, in any thread. A build forks its page workers while pages may be rendered
# here for a request: a fork taken while this thread held one of Jinja's cache locks would leave
# the worker a lock that no one releases. So a fork waits for the render in progress to end.
_RENDERING = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_RENDERING.acquire, after_in_parent=_RENDERING.release,
                        after_in_child=_RENDERING.release)


class NotRendered(Exception):
    """The file cannot be made from this plan: its template failed (the build reports it), or the build is over."""

    def __init__(self, rel: str, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(rel)
        self.diagnostics = diagnostics


class PlannedOutput:
    """The files a build in flight plans, made one by one as they are asked for (thread-safe)."""

    def __init__(self, job: PageJob, copies: Mapping[str, CopiedFile]) -> None:
        # Nothing is indexed here: this runs on the build's thread, and the first request pays for it.
        self._job: PageJob | None = job
        self._copies = copies
        self._specs: dict[str, PageSpec] = {}
        self._folders: set[str] = set()
        self._made: dict[str, bytes] = {}
        self._indexed = False
        self._scratch: Path | None = None
        # The job's caches filled as pages render (feed items, the articles' key tokens) are this
        # object's own: the build's thread may be filling the job's meanwhile.
        self._feed_items: dict[str, FeedItem] = {}
        self._article_tokens: dict[str, str] = {}

    def find(self, rel: str) -> str:
        """Return "file", "dir" or "missing" for ``rel`` (relative to the output folder), as the build will leave it."""
        with _RENDERING:
            self._index()
            if rel in self._specs or rel in self._copies:
                return "file"
            return "dir" if rel == "" or rel in self._folders else "missing"

    def read(self, rel: str) -> bytes | None:
        """Return the bytes the build writes to ``rel``, or None when it plans no such file.

        Raises ``NotRendered`` when the page's template fails or the build is over.
        """
        with _RENDERING:
            self._index()
            known = self._made.get(rel)
            if known is not None:
                return known
            copy = self._copies.get(rel)
            if copy is not None:
                try:
                    data = copy.source.read_bytes()
                except OSError:  # gone meanwhile: the build reports it, or its own rebuild follows
                    raise NotRendered(rel) from None
            elif rel in self._specs:
                data = self._render(self._specs[rel])
            else:
                return None
            self._made[rel] = data
            return data

    def close(self) -> None:
        """Let go of the plan (the build is over); later calls raise ``NotRendered``."""
        with _RENDERING:
            self._job = None
            self._specs, self._folders, self._made = {}, set(), {}
            self._feed_items, self._article_tokens = {}, {}
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch = None

    def _index(self) -> None:
        job = self._job
        if job is None:
            raise NotRendered("")
        if self._indexed:
            return
        self._indexed = True
        self._specs = {spec.output: spec for spec in job.specs}
        for rel in (*self._specs, *self._copies):
            folder = posixpath.dirname(rel)
            while folder and folder not in self._folders:
                self._folders.add(folder)
                folder = posixpath.dirname(folder)

    def _render(self, spec: PageSpec) -> bytes:
        # The build's own page renderer, on a job of this one page that stages into a scratch
        # folder of its own, where no earlier output can stand in for the page.
        job = self._job
        assert job is not None
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="newsbite-ondemand-"))
        one = dataclasses.replace(job, specs=[spec], previous={}, out_dir=self._scratch, stage=self._scratch,
                                  new_output=True, feed_items=self._feed_items, article_tokens=self._article_tokens)
        result = render_pages(one, jobs=1)[0]
        if result.status != "staged":
            raise NotRendered(spec.output, result.diagnostics)
        staged = self._scratch / spec.output
        try:
            return staged.read_bytes()
        finally:
            staged.unlink(missing_ok=True)
