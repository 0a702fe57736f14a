"""The folders of one build, resolved once from the command line: no other module joins its own paths."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_DIR = ".newsbite-cache"


def _built_in_layouts() -> Path:
    """Return the built-in theme: installed as generator/theme/, or the repository's layouts/ in a checkout."""
    installed = Path(__file__).parents[1] / "theme"
    return installed if installed.is_dir() else Path(__file__).parents[2] / "layouts"


DEFAULT_LAYOUTS = _built_in_layouts()


def layout_dirs(site_dir: Path) -> list[Path]:
    """Return the template folders in lookup order: the site's own layouts first, then the defaults."""
    own = site_dir / "layouts"
    # The sample site in NewsBite's own repository is built from the built-in theme itself.
    if not own.is_dir() or own.resolve() == DEFAULT_LAYOUTS.resolve():
        return [DEFAULT_LAYOUTS]
    return [own, DEFAULT_LAYOUTS]


@dataclass(frozen=True, slots=True)
class SitePaths:
    """Where a build reads, writes and keeps its cache (SPEC section 8: ``public/`` unless ``--output``)."""

    site_dir: Path
    output_dir: Path
    # <site>/.newsbite-cache/: the one place outside the output folder a build writes.
    cache_dir: Path

    @classmethod
    def for_site(cls, site_dir: Path, output_dir: Path | None = None) -> SitePaths:
        """Return the paths of a build of ``site_dir`` into ``output_dir`` (default ``<site>/public``)."""
        return cls(site_dir, output_dir if output_dir is not None else site_dir / "public", site_dir / CACHE_DIR)

    @property
    def sources_cache(self) -> Path:
        """The folder of the parsed-article and rendered-body shards."""
        return self.cache_dir / "sources"

    @property
    def scan_file(self) -> Path:
        """The Markdown files' signatures as the last build saw them."""
        return self.cache_dir / "scan.pickle"

    @property
    def output_record(self) -> Path:
        """The record of what the last build wrote into this output folder (one per output folder)."""
        key = hashlib.blake2b(str(self.output_dir.resolve()).encode("utf-8"), digest_size=16).hexdigest()
        return self.cache_dir / "outputs" / f"{key}.pickle"

    def stage_result(self, name: str) -> Path:
        """The file keeping the last result of the pure stage ``name`` (``build.cache.StageResults``)."""
        return self.cache_dir / "stages" / f"{name}.pickle"

    @property
    def fragments_cache(self) -> Path:
        """The folder of the kept cards and related items, a file per settings and templates (``build.fragmentshelf``)."""
        return self.cache_dir / "fragments"

    def compiled_template(self, key: str) -> Path:
        """The file keeping a compiled template (``build.cache.CompiledTemplates``), by Jinja's key for it."""
        return self.cache_dir / "templates" / f"{key}.cache"
