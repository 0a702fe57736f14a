"""The site's pictures as artifacts of the build path: their facts, derivatives and social crops (SPEC section 9).

Each derivative is an output file whose inputs are the digest of its picture's bytes and the
settings, which its name carries. A picture is decoded only to make derivatives that neither the
output nor the cache (``.newsbite-cache/images/``) holds; a rebuild with unchanged pictures
decodes none, and even a build into an empty folder copies them from the cache. What a picture's
header says (size, orientation, format) is kept in the cache by the digest of its bytes, so an
unchanged picture is not even opened. The decoding is spread over the worker processes, each
working through its pictures one at a time.
"""

from __future__ import annotations

import logging
import os
import pickle
import posixpath
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence
from urllib.parse import unquote, urlsplit

from generator.build.artifacts import CopiedFile
from generator.build.cache import BuildMemo, OutputRecord, OutputState
from generator.build.parallel import run_spans
from generator.build.sourcestore import SourceStore
from generator.content import files
from generator.content.articles import Article
from generator.content.config import SiteConfig
from generator.content.paths import SitePaths
from generator.diagnostics import Diagnostic, error
from generator.model.catalogue import image_view, site_path
from generator.model.pictures import (
    PASSED_SUFFIXES,
    RESIZED_SUFFIXES,
    Picture,
    Rendition,
    picture_digest,
    plan_picture,
)
from generator.publish import output

log = logging.getLogger(__name__)

_FACTS_MEMO = "picture-facts"
# Suffixes that mark a body reference as a picture, for the missing-file error.
_PICTURE_SUFFIXES = RESIZED_SUFFIXES | PASSED_SUFFIXES | {".avif"}


class PictureFiles(NamedTuple):
    """The files a build makes of one picture: each output path with what to make there."""

    picture: Picture
    source: Path  # the original on disk
    label: str  # the original as diagnostics name it: content/2022/troops.jpg
    renditions: tuple[tuple[str, Rendition], ...]


def picture_table(
    config: SiteConfig, copies: Mapping[str, CopiedFile], paths: SitePaths, memo: BuildMemo | None,
) -> dict[str, Picture]:
    """Return every picture under content/ by its URL, with its size and derivatives (or its problem)."""
    settings = config.images
    if not settings.enabled or not any(copy.label.startswith("content/") for copy in copies.values()):
        return _pictures_as_they_are(config, copies)
    from generator.render import images as pillow  # Pillow is imported by the builds that read pictures

    formats = tuple(f for f in settings.formats if f in pillow.writable_formats())
    known = _load_facts(paths, memo)
    facts: dict[str, tuple[int, int, str, str | None]] = {}
    table: dict[str, Picture] = {}
    for rel, copy in sorted(copies.items()):
        suffix = posixpath.splitext(rel)[1].lower()
        if not copy.label.startswith("content/") or suffix not in RESIZED_SUFFIXES | PASSED_SUFFIXES:
            continue
        url = site_path(config, "/" + rel)
        key = f"{suffix in PASSED_SUFFIXES}:{copy.digest}"
        fact = known.get(key) or _read_facts(copy.source, suffix)
        facts[key] = fact
        width, height, kind, problem = fact
        if problem is not None or suffix in PASSED_SUFFIXES or not width:
            table[url] = Picture(rel, url, copy.digest, width, height, kind, (), problem)
            continue
        digest = picture_digest(copy.digest, settings, formats, pillow.encoder_identity())
        table[url] = plan_picture(rel, lambda file: site_path(config, "/" + file), digest, (width, height), kind,
                                  formats, settings.widths)
    if facts != known:
        _save_facts(paths, memo, facts)
    return table


def _pictures_as_they_are(config: SiteConfig, copies: Mapping[str, CopiedFile]) -> dict[str, Picture]:
    """Return the pictures under content/ without derivatives or sizes (``images: false``)."""
    table: dict[str, Picture] = {}
    for rel, copy in copies.items():
        suffix = posixpath.splitext(rel)[1].lower()
        if copy.label.startswith("content/") and suffix in RESIZED_SUFFIXES | PASSED_SUFFIXES:
            url = site_path(config, "/" + rel)
            table[url] = Picture(rel, url, copy.digest, 0, 0, suffix[1:])
    return table


def _read_facts(path: Path, suffix: str) -> tuple[int, int, str, str | None]:
    from generator.render import images as pillow

    if suffix in PASSED_SUFFIXES:
        size = pillow.read_size(path)
        return (*(size or (0, 0)), suffix[1:], None)
    facts = pillow.read_facts(path)
    return facts.width, facts.height, facts.format, facts.problem


def _load_facts(paths: SitePaths, memo: BuildMemo | None) -> dict[str, tuple[int, int, str, str | None]]:
    if memo is not None:
        kept = memo.stages.get(_FACTS_MEMO)
        return dict(kept[1]) if kept is not None else {}
    data = output.read_cache_file(_facts_file(paths))
    try:
        loaded = pickle.loads(data) if data else {}
    except Exception:  # a damaged cache file is only a slower build
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_facts(paths: SitePaths, memo: BuildMemo | None, facts: dict[str, tuple[int, int, str, str | None]]) -> None:
    if memo is not None:
        memo.stages[_FACTS_MEMO] = ("", facts)
    else:
        output.write_cache_file(_facts_file(paths), pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))


def _facts_file(paths: SitePaths) -> Path:
    return paths.cache_dir / "images" / "facts.pickle"


def _cached_file(paths: SitePaths, picture: Picture, rel: str) -> Path:
    return paths.cache_dir / "images" / f"{picture.digest[:16]}-{posixpath.basename(rel)}"


def picture_files(
    config: SiteConfig, articles: Sequence[Article], copies: Mapping[str, CopiedFile], table: Mapping[str, Picture],
    assets: set[str],
) -> list[PictureFiles]:
    """Return the files to make of each picture: its derivatives, and the social crop of each hero showing it."""
    if not table:
        return []  # no picture under content/ (remote images are used as they are)
    crops: dict[str, list[tuple[str, Rendition]]] = {}
    for article in articles:
        view = image_view(config, article, assets, table)[0]
        if view is None or view.picture is None or view.social is None:
            continue
        social = view.social
        crops.setdefault(view.picture.url, []).append(
            (social.file, Rendition(social.file, social.width, social.height, "jpeg", social.box)))
    made: list[PictureFiles] = []
    for url, picture in table.items():
        if not picture.variants:
            continue
        renditions = [(v.file, Rendition(v.file, v.width, v.height, v.format)) for v in picture.variants]
        renditions += sorted(dict(crops.get(url, [])).items())
        copy = copies[picture.file]
        made.append(PictureFiles(picture, copy.source, copy.label, tuple(renditions)))
    return made


def place_pictures(
    paths: SitePaths, planned: Sequence[PictureFiles], state: OutputState, records: dict[str, OutputRecord],
    to_copy: dict[str, Path], jobs: int, quality: int,
) -> dict[str, str]:
    """Record the pictures' files already in place, make the others (from the cache, else by decoding
    their picture over the workers) and list them to copy; return the problem of each picture that
    could not be decoded, by URL."""
    wanted: set[Path] = set()
    todo: list[PictureFiles] = []
    for files_of in planned:
        missing = []
        for rel, rendition in files_of.renditions:
            key = f"{files_of.picture.digest}:{rel}"
            cached = _cached_file(paths, files_of.picture, rel)
            wanted.add(cached)
            old = state.files.get(rel)
            if old is not None and old.key == key and output.stat_matches(paths.output_dir, rel, old.size, old.mtime_ns):
                records[rel] = old
                continue
            held = output.stat_if_copy(paths.output_dir, rel, cached) if old is None and cached.is_file() else None
            records[rel] = OutputRecord(key, key, *(held or (0, 0)), files_of.label)
            if held is not None:
                continue
            to_copy[rel] = cached
            if not cached.is_file():
                missing.append((rel, rendition))
        if missing:
            todo.append(files_of._replace(renditions=tuple(missing)))
    # Nothing to make (most builds): not even Pillow is imported.
    results = run_spans(_make_span, (todo, paths, quality), len(todo), jobs, min_parallel=2) if todo else []
    broken = {job.picture.url: problem for job, problem in zip(todo, results) if problem is not None}
    log.debug("pictures: %d to make, %d could not be decoded", len(todo), len(broken))
    _prune_cache(paths, wanted)
    return broken


def _make_span(work: tuple[Sequence[PictureFiles], SitePaths, int], start: int, stop: int) -> list[str | None]:
    """Make the files of pictures ``start`` to ``stop``, one picture decoded at a time, into the cache."""
    from generator.render import images as pillow

    todo, paths, quality = work
    problems: list[str | None] = []
    for job in todo[start:stop]:
        try:
            made = pillow.make_renditions(job.source, [rendition for _rel, rendition in job.renditions], quality)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        for rel, rendition in job.renditions:
            output.write_cache_file(_cached_file(paths, job.picture, rel), made[rendition.name])
        problems.append(None)
    return problems


def _prune_cache(paths: SitePaths, wanted: set[Path]) -> None:
    """Remove derivatives the site no longer has from the cache (an edited picture's old ones)."""
    folder = paths.cache_dir / "images"
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_file() and path not in wanted and path != _facts_file(paths) and not entry.name.startswith("."):
            output.remove_cache_file(path)


def body_picture_problems(
    config: SiteConfig, articles: Sequence[Article], store: SourceStore, site_dir: Path, table: Mapping[str, Picture],
    assets: set[str], broken: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """Return an error for each picture in a body that names a missing file, or one that cannot be
    decoded, at the body's line (SPEC section 9); with ``broken``, for those pictures only, heroes included
    (without it, ``catalogue`` reports the heroes)."""
    problems: list[Diagnostic] = []
    for article in articles:
        if broken is not None and article.image is not None:
            view = image_view(config, article, assets, {})[0]
            if view is not None and view.url in broken:
                problems.append(error(article.path, article.line_of("image"),
                                      f"image '{article.image.src}' {broken[view.url]}"))
        record = store.get(article.path)
        links = record.body.links if record is not None and record.body is not None else ()
        bad: dict[str, str] = {}
        for target, url in links:
            if url is None:
                if broken is None and posixpath.splitext(target)[1].lower() in _PICTURE_SUFFIXES:
                    bad[target] = "not found next to the article"
            elif broken is not None:
                if url in broken:
                    bad[target] = broken[url]
            elif url in table and table[url].problem is not None:
                bad[target] = str(table[url].problem)
        if bad and record is not None and record.parsed is not None:
            problems.extend(_body_errors(article, site_dir, record.parsed[0], bad))
    if broken is not None and not problems:  # pictures no page shows: name the files themselves
        problems = [error(f"content/{picture_file}", 1, f"{reason}") for picture_file, reason in sorted(broken.items())]
    return problems


def _body_errors(article: Article, site_dir: Path, body_start: int, bad: Mapping[str, str]) -> list[Diagnostic]:
    """Return an error for each picture in the article's body whose file is in ``bad``, at its line."""
    from generator.render.markup import markdown_parser  # imported only when a body has a bad picture

    text, _digest, _problems = files.read_markdown_file(site_dir, article.path)
    if text is None:
        return []
    body = text[body_start:]
    folder = posixpath.dirname(article.path)
    found: list[Diagnostic] = []
    for token in markdown_parser(False).parse(body):
        if token.map is None:
            continue
        lines = body.splitlines()[token.map[0]:token.map[1]]
        for child in token.children or ():
            src = child.attrGet("src") if child.type == "image" else None
            if not isinstance(src, str) or urlsplit(src).scheme or src.startswith("/"):
                continue
            target = posixpath.normpath(posixpath.join(folder, unquote(urlsplit(src).path)))
            if target in bad:
                offset = next((n for n, line in enumerate(lines) if src in line or unquote(src) in line), 0)
                found.append(error(article.path, article.body_line + token.map[0] + offset,
                                   f"image '{unquote(src)}' {bad[target]}"))
    return found
