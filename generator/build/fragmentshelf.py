"""Cards and related items kept between builds, so that a page rendering again prints them as made.

A new article moves every home page down one place: at 10,000 articles some 500 pages of twenty
cards render again, and each card is the one the last build printed. ``render.fragments`` renders
a card once per build and process; the shelf keeps it for the next builds too, under what it is
made from:

- the article as page keys name it (``pages.article_token``: its source digest, its body's digest,
  and the URLs its entry links to), the fragment's template, and what the page gave the fragment
  beside the entry (its ``variant``: the lead card, the page's first picture, a preview label);
- and, in the *generation* that names the file, everything else a fragment may show: the code and
  settings, the copied files and the build's flags (``PageJob.shared``), and the closure of every
  fragment template.

Only fragments that read nothing of the page but the environment's globals are shelved
(``render.fragments``). The files are read on the first lookup of a build, so a build rendering no
card or related item reads nothing; a damaged file reads as empty (``cache.unpack``), and the files
of another generation are never read. A build that made fragments adds them as one more file;
past a number of files, or past its budget, the shelf is written again as one file, its oldest
fragments left out first. The dev server keeps its shelf in the memo instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import Callable, Mapping

from generator.build.cache import BuildMemo, pack, unpack
from generator.publish import output

log = logging.getLogger(__name__)

# Characters of keys and HTML kept at most: every card and related item of a 10,000-article site
# is about 20 million.
SHELF_BUDGET = 32_000_000
# Files of one generation before they are written again as one.
MAX_FILES = 24
# Generations kept beside the current one (a site built with and without search, say).
OTHER_GENERATIONS = 2
_SUFFIX = ".pickle"


class FragmentShelf:
    """The fragments kept for one generation: ``get`` and ``put`` (``render.fragments.FragmentShelf``),
    in whichever process renders; ``take_made`` there and ``keep`` in the build's, which ``save``s them."""

    def __init__(self, folder: Path | None, memo: BuildMemo | None, generation: str,
                 token: Callable[[str], str | None], budget: int = SHELF_BUDGET) -> None:
        self._folder = folder  # the generations' folders are in it; None with a memo
        self._memo = memo
        self._generation = generation
        self._token = token
        self._budget = budget
        self._kept: dict[str, str] | None = None  # read on first use
        self._files: list[Path] = []  # the files read
        self._damaged = False  # one of them could not be read: they are written again as one
        self._made: dict[str, str] = {}  # made in this process since ``take_made``
        self._room = budget  # characters this process may still make
        self._unsaved: dict[str, str] = {}  # made by this build, to save
        self._unsaved_size = 0

    @property
    def generation(self) -> str:
        """The digest of everything the fragments show beside their articles and variants."""
        return self._generation

    # In the process rendering pages.

    def get(self, name: str, path: str, variant: str) -> str | None:
        """Return the HTML kept for the fragment, or None."""
        token = self._token(path)
        if token is None:
            return None
        kept = self._kept if self._kept is not None else self._load()
        return kept.get(f"{token}\x1f{name}\x1f{variant}")

    def put(self, name: str, path: str, variant: str, html: str) -> None:
        """Keep the HTML just made for the fragment, while this process has room."""
        token = self._token(path)
        if token is None:  # not an article the build knows: nothing says what its fragment shows
            return
        key = f"{token}\x1f{name}\x1f{variant}"
        size = len(key) + len(html)
        if size > self._room:
            return
        self._room -= size
        kept = self._kept if self._kept is not None else self._load()
        kept[key] = self._made[key] = html

    def share(self, processes: int) -> None:
        """Give each of ``processes`` rendering processes an equal part of the budget to make fragments in."""
        self._room = self._budget // max(processes, 1)

    def take_made(self) -> dict[str, str]:
        """Return the fragments this process made since the last call (for the build's process to keep)."""
        made, self._made = self._made, {}
        return made

    def preload(self) -> None:
        """Read the shelf now (before workers fork, so that they share what is read)."""
        if self._kept is None:
            self._load()

    # In the build's process.

    def keep(self, made: Mapping[str, str]) -> None:
        """Take the fragments a rendering process made, to be saved, within the budget."""
        if not made:
            return
        kept = self._kept if self._kept is not None else self._load()
        for key, html in made.items():
            size = len(key) + len(html)
            if self._unsaved_size + size > self._budget:
                break
            self._unsaved_size += size
            kept[key] = self._unsaved[key] = html

    def save(self) -> None:
        """Keep what this build made for the next builds (nothing is written when it made nothing)."""
        if not self._unsaved:
            return
        kept = self._kept if self._kept is not None else self._load()
        if self._memo is not None:
            if sum(len(key) + len(html) for key, html in kept.items()) > self._budget:
                self._memo.fragments = (self._generation, _within(kept, self._unsaved, self._budget))
            return
        folder = self._generation_folder()
        try:
            sizes = [path.stat().st_size for path in self._files]
        except OSError:
            sizes = [self._budget]  # changed under us: write it whole
        if not self._damaged and len(self._files) < MAX_FILES and sum(sizes) + self._unsaved_size <= self._budget:
            _write(folder, self._generation, self._unsaved)
            log.debug("fragments kept: %d more", len(self._unsaved))
        else:
            _write(folder, self._generation, _within(kept, self._unsaved, self._budget))
            for path in self._files:
                path.unlink(missing_ok=True)
            log.debug("fragments kept: %d, written again as one file", len(kept))
        self._unsaved, self._unsaved_size = {}, 0
        self._forget_other_generations()

    def _load(self) -> dict[str, str]:
        if self._memo is not None:
            kept_then = self._memo.fragments
            if kept_then is None or kept_then[0] != self._generation:
                self._memo.fragments = kept_then = (self._generation, {})
            self._kept = kept_then[1]
            return self._kept
        self._kept = {}
        try:
            self._files = sorted(self._generation_folder().glob("*" + _SUFFIX))
        except OSError:
            self._files = []
        for path in self._files:
            payload = unpack(output.read_cache_file(path))
            if not (isinstance(payload, tuple) and len(payload) == 2 and payload[0] == self._generation
                    and isinstance(payload[1], dict)):
                log.debug("fragment file %s unreadable: not used", path.name)
                self._damaged = True
                continue
            self._kept.update(payload[1])
        return self._kept

    def _generation_folder(self) -> Path:
        assert self._folder is not None, "a shelf without a memo has a folder"
        return self._folder / self._generation[:32]

    def _forget_other_generations(self) -> None:
        assert self._folder is not None
        try:
            others = [path for path in self._folder.iterdir() if path.name != self._generation[:32]]
            others.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
        except OSError:
            return
        for path in others[OTHER_GENERATIONS:]:
            shutil.rmtree(path, ignore_errors=True)


def _within(kept: dict[str, str], newest: Mapping[str, str], budget: int) -> dict[str, str]:
    """Return ``kept`` with ``newest`` last, its oldest fragments left out until it fits ``budget``."""
    ordered = {key: html for key, html in kept.items() if key not in newest}
    ordered.update(newest)
    size = sum(len(key) + len(html) for key, html in ordered.items())
    for key in list(ordered):
        if size <= budget:
            break
        size -= len(key) + len(ordered.pop(key))
    return ordered


def _write(folder: Path, generation: str, fragments: Mapping[str, str]) -> None:
    """Write ``fragments`` as a new file of the generation's folder, named to sort after the others."""
    name = f"{time.time_ns():020d}-{os.getpid()}{_SUFFIX}"
    try:
        output.write_cache_file(folder / name, pack((generation, dict(fragments))))
    except OSError as exc:
        log.debug("fragments not kept: %s", exc)
