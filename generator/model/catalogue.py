"""The catalogue: which articles are published, at which URLs, as entries grouped into topics."""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence
from urllib.parse import urlsplit

from generator.content.articles import Article, Notice
from generator.content.config import SiteConfig
from generator.content.language import long_date
from generator.content.slugs import unique_slugs
from generator.content.typography import smarten
from generator.diagnostics import Diagnostic, HeldBack, error, warning
from generator.model.body import RenderedBody
from generator.model.pictures import Picture, SocialImage, social_image

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 160


@dataclass(frozen=True, slots=True)
class TopicLink:
    name: str
    url: str

    @property
    def label(self) -> str:
        """The name as a chip shows it, with a headline's typography: Côte d’Ivoire (SPEC section 1)."""
        return smarten(self.name)


@dataclass(frozen=True, slots=True)
class AuthorLink:
    """A byline's author: the author page, and the profile's own pages (JSON-LD ``sameAs``)."""

    name: str
    url: str
    same_as: tuple[str, ...] = ()


class NoticeView(NamedTuple):
    """A correction or update as pages show it (SPEC section 11); ``text`` is inline Markdown."""

    date: dt.datetime
    date_only: bool
    date_iso: str
    date_display: str
    text: str


@dataclass(frozen=True, slots=True)
class ImageView:
    """An article's hero as pages show it: ``url`` is the original's; ``picture`` its size and
    derivatives (None for a remote image), ``social`` the crop link previews show."""

    url: str
    alt: str
    caption: str | None
    credit: str | None
    picture: Picture | None = None
    social: SocialImage | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """An article as templates see it: URLs resolved, dates formatted in the site timezone."""

    path: str
    title: str
    url: str
    output: str
    date: dt.datetime
    date_iso: str
    date_display: str
    updated: dt.datetime | None
    updated_iso: str | None
    updated_display: str | None
    standfirst: str | None
    summary: str
    authors: tuple[str, ...]
    source: str | None
    image: ImageView | None
    topics: tuple[TopicLink, ...]
    original_url: str | None
    aliases: tuple[str, ...]
    extra: Mapping[str, Any]
    # Bylines and the source as links to their pages (SPEC section 10).
    author_links: tuple[AuthorLink, ...] = ()
    source_link: TopicLink | None = None
    corrections: tuple[NoticeView, ...] = ()
    updates: tuple[NoticeView, ...] = ()
    # The latest of ``updated`` and every correction and update date; None if there is none of them.
    modified: dt.datetime | None = None
    modified_iso: str | None = None
    modified_display: str | None = None
    # "draft" or "scheduled" for a page only a --drafts or --future build shows (SPEC section 13): it
    # is labelled, marked noindex, and left out of feeds and sitemaps. None for a published article.
    preview: str | None = None
    # The site's pictures by URL (one mapping, shared by every entry): what the body's pictures are.
    pictures: Mapping[str, Picture] = field(default_factory=lambda: MappingProxyType({}))


def preview_of(article: Article) -> str | None:
    """Return why an article is only a preview: "draft", "scheduled", or None when it is published."""
    return "draft" if article.draft else "scheduled" if article.scheduled else None


@dataclass(frozen=True, slots=True)
class Topic:
    """A term of a taxonomy (a topic, an author, a source) with its page and its articles."""

    name: str
    slug: str
    path: str
    url: str
    description: str | None
    articles: tuple[str, ...]  # the source paths of its articles, newest first

    @property
    def count(self) -> int:
        return len(self.articles)


def select_articles(
    articles: Iterable[Article], drafts: bool, future: bool, now: dt.datetime
) -> tuple[list[Article], list[HeldBack]]:
    """Return the articles to publish, newest first, and those held back (drafts, future dates)."""
    kept: list[Article] = []
    held: list[HeldBack] = []
    for article in articles:
        if article.draft and not drafts:
            held.append(HeldBack(article.path, "draft (use --drafts to include it)"))
        elif article.date > now and not future:
            held.append(HeldBack(article.path, f"dated in the future, {article.date.isoformat()} (use --future)"))
        elif article.date > now:
            kept.append(replace(article, scheduled=True))
        else:
            kept.append(article)
    kept.sort(key=publishing_order)
    held.sort(key=lambda h: h.path)
    return kept, held


def publishing_order(article: Article) -> tuple[float, str, str]:
    """Return where an article stands among the published ones: newest first, then by title and path."""
    return (-article.date.timestamp(), article.title, article.path)


def structure_of(article: Article) -> tuple[object, ...]:
    """Return what of an article decides the site's structure: which pages exist, its URL, its
    topics and aliases, and the dates that order lists and fill the sitemaps.

    A page shows other articles' own content, their titles included, only through ``PageSpec.shows``,
    whose keys name the articles shown in order: a title that reorders a list changes the keys of
    the pages listing it. Everything else on a page comes from this, the settings and the templates.
    """
    a = article
    notices = (tuple(n.date for n in a.corrections + a.updates),) if a.corrections or a.updates else ()
    return (a.path, a.date, a.date_only, a.updated, a.updated_date_only, a.slug, a.topics, a.aliases, a.authors,
            a.source, a.draft, a.scheduled, *notices)


def site_path(config: SiteConfig, path: str) -> str:
    """Return the URL of a path relative to the site root, under the base path."""
    return config.base_path + path.lstrip("/")


def output_file(url_path: str) -> str:
    """Return the output file (relative to the output folder) serving a site-root-relative URL path."""
    path = url_path.lstrip("/")
    if path == "" or path.endswith("/"):
        return path + "index.html"
    if posixpath.splitext(path)[1] in (".html", ".htm", ".xml", ".json", ".txt"):
        return path
    return path + "/index.html"


def article_paths(config: SiteConfig, articles: Sequence[Article]) -> tuple[dict[str, str], list[Diagnostic]]:
    """Return each article's URL path relative to the site root, keyed by source path; report clashes."""
    paths: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for article in articles:
        local = article.date.astimezone(config.tz)
        path = config.permalinks.article.format(
            year=f"{local.year:04d}", month=f"{local.month:02d}", day=f"{local.day:02d}", slug=article.slug)
        if not path.endswith("/") and not posixpath.splitext(path)[1]:
            path += "/"
        file = output_file(path)
        if file in owners:
            problems.append(error(article.path, article.line_of("slug"), f"its URL {path} is already used by {owners[file]}; set a different 'slug:'"))
        owners[file] = article.path
        paths[article.path] = path
    return paths, problems


def asset_path(config: SiteConfig, src: str, base_dir: str, known: set[str]) -> str | None:
    """Return the URL path (relative to site root) of an image reference, or None if it names no file."""
    # Most references are plain relative paths: without a ":" there is no scheme, and a first
    # character that is neither "/" nor a control or space (which urlsplit strips) rules out a
    # network location; urlsplit decides the rest (issue 10: every build checks every image).
    if src.startswith(("/", "https://", "http://")):
        return src
    if ":" in src or src[:1] <= " ":
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            return src
    target = posixpath.normpath(posixpath.join(base_dir, src))
    return "/" + target.removeprefix("content/") if target in known else None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The published articles and their topics: what every page of the site is made from.

    It holds the site's structure only. An article's own content reaches a page as its ``Entry``,
    made from ``entries`` when the page renders, so a build plans without making one.
    """

    articles: tuple[Article, ...]  # newest first
    topics: tuple[Topic, ...]
    entries: Entries
    problems: tuple[Diagnostic, ...]  # warnings, e.g. a missing image
    authors: tuple[Topic, ...] = ()
    sources: tuple[Topic, ...] = ()
    # The site's pictures by URL (``build.images``): author profiles' images are looked up in it too.
    pictures: Mapping[str, Picture] = field(default_factory=lambda: MappingProxyType({}))


def catalogue(
    config: SiteConfig, articles: Sequence[Article], paths: Mapping[str, str], bodies: Mapping[str, RenderedBody],
    assets: set[str], pictures: Mapping[str, Picture] | None = None,
) -> Catalogue:
    """Return the published articles (newest first), their topics, authors and sources, and their entries
    as pages will ask for them.

    ``pictures`` holds the site's pictures by URL (``build.images``); a hero or body picture not
    among them is used as it is.
    """
    pictures = {} if pictures is None else pictures
    topics = taxonomy(config, articles, lambda a: a.topics, config.permalinks.topic, "topic")
    authors = taxonomy(config, articles, lambda a: a.authors, config.permalinks.author, "author")
    sources = taxonomy(config, articles, lambda a: (a.source,) if a.source else (), config.permalinks.source, "source")
    # One link per term, shared by every entry naming it (22,000 fewer objects at 10,000 articles).
    links = Links({t.name: TopicLink(t.name, t.url) for t in topics},
                  {t.name: AuthorLink(t.name, t.url, _same_as(config, t.name)) for t in authors},
                  {t.name: TopicLink(t.name, t.url) for t in sources})
    problems = [problem for a in articles if a.image is not None
                for problem in image_problems(config, a, assets, pictures)]
    entries = Entries(config, {a.path: a for a in articles}, paths, bodies, links, assets, pictures)
    return Catalogue(tuple(articles), tuple(topics), entries, tuple(problems), tuple(authors), tuple(sources),
                     pictures)


class Links(NamedTuple):
    """The link of each topic, author and source by name."""

    topics: Mapping[str, TopicLink]
    authors: Mapping[str, AuthorLink]
    sources: Mapping[str, TopicLink]


def _same_as(config: SiteConfig, name: str) -> tuple[str, ...]:
    profile = config.authors.get(name)
    if profile is None:
        return ()
    return tuple(dict.fromkeys(([profile.url] if profile.url else []) + list(profile.links)))


class Entries(Mapping[str, Entry]):
    """Each published article's entry by source path, made on first use and kept.

    Pages name the articles they show and get their entries only when they render: a build after
    an edit renders a few pages, and makes the entries of the articles those pages show.
    """

    def __init__(
        self, config: SiteConfig, articles: Mapping[str, Article], paths: Mapping[str, str],
        bodies: Mapping[str, RenderedBody], links: Links, assets: set[str],
        pictures: Mapping[str, Picture] | None = None,
    ) -> None:
        self._config = config
        self._articles = articles
        self._paths = paths
        self._bodies = bodies
        self._links = links
        self._assets = assets
        self._pictures = {} if pictures is None else pictures
        self._made: dict[str, Entry] = {}

    def __getitem__(self, path: str) -> Entry:
        entry = self._made.get(path)
        if entry is None:
            article = self._articles[path]
            entry = make_entry(self._config, article, self._paths[path], self._bodies[path], self._links,
                               self._assets, self._pictures)
            self._made[path] = entry
        return entry

    def shown_structure(self, path: str) -> tuple[object, ...]:
        """Return what the entry of the article at ``path`` shows beyond its own file and body: its
        URL, and the URLs of its topics, authors and sources (colliding slugs are numbered site-wide);
        () for an article not published."""
        article, links = self._articles.get(path), self._links
        if article is None:
            return ()
        return (self._paths[path], tuple([links.topics[name].url for name in article.topics]),
                tuple([links.authors[name].url for name in article.authors]),
                None if article.source is None else links.sources[article.source].url)

    def with_articles(self, changed: Mapping[str, Article], bodies: Mapping[str, RenderedBody]) -> Entries:
        """Return the entries with ``changed`` articles (by source path, each published at the same
        URL as the one it replaces) and ``bodies``, the same for every other article: the entries
        made so far of those others are kept."""
        articles = {**self._articles, **changed} if changed else self._articles
        made = Entries(self._config, articles, self._paths, bodies, self._links, self._assets, self._pictures)
        made._made = {path: entry for path, entry in self._made.items() if path not in changed}
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._articles)

    def __len__(self) -> int:
        return len(self._articles)


def taxonomy(
    config: SiteConfig, articles: Sequence[Article], names_of: Callable[[Article], Sequence[str]], pattern: str,
    fallback: str,
) -> list[Topic]:
    """Return the terms the articles (newest first) name through ``names_of``, ordered by slug, each
    with its page at ``pattern`` and its articles newest first (SPEC sections 8 and 10)."""
    members: dict[str, list[str]] = defaultdict(list)
    # SPEC section 8: colliding slugs are numbered in order of first appearance by date, then name.
    first_seen: dict[str, float] = {}
    for article in articles:  # already newest first
        stamp = article.date.timestamp()
        for name in names_of(article):
            members[name].append(article.path)
            if name not in first_seen or stamp < first_seen[name]:
                first_seen[name] = stamp
    slugs = unique_slugs(sorted(first_seen, key=lambda name: (first_seen[name], name)), fallback=fallback)
    terms = []
    for name in sorted(members, key=lambda n: (slugs[n], n)):
        meta = config.topics.get(name) if fallback == "topic" else None
        path = pattern.format(slug=slugs[name])
        terms.append(Topic(name, slugs[name], path, site_path(config, path), meta.description if meta else None,
                           tuple(members[name])))
    return terms


def format_date(moment: dt.datetime, config: SiteConfig) -> str:
    """Return a date as readers see it, in the site timezone and language: '9 January 2022' (en-AU)."""
    return long_date(moment.astimezone(config.tz).date(), config.language)


def iso_date(moment: dt.datetime, date_only: bool, config: SiteConfig) -> str:
    """Return the machine-readable date: YYYY-MM-DD for date-only values, else ISO 8601 with offset."""
    local = moment.astimezone(config.tz)
    return local.date().isoformat() if date_only else local.isoformat()


def cut_description(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Return ``text`` cut at a word boundary near ``limit`` characters, with an ellipsis if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-\u2013\u2014")
    return cut + "\u2026"


def image_view(
    config: SiteConfig, article: Article, assets: set[str], pictures: Mapping[str, Picture] | None = None,
) -> tuple[ImageView | None, list[Diagnostic]]:
    """Return an article's image as pages show it, and the problems it gives: a missing or undecodable
    file (errors, SPEC section 9), no alt text (a warning)."""
    if article.image is None:
        return None, []
    url, picture, problems = _image_source(config, article, assets, pictures)
    social = None
    if picture is not None and picture.variants:
        social = social_image(picture, article.image.focus, lambda file: site_path(config, "/" + file))
    return ImageView(url, article.image.alt, article.image.caption, article.image.credit, picture, social), problems


def image_problems(
    config: SiteConfig, article: Article, assets: set[str], pictures: Mapping[str, Picture] | None = None,
) -> list[Diagnostic]:
    """Return the problems ``image_view`` finds with an article's image, without making its view
    (every build checks every article's image)."""
    return [] if article.image is None else _image_source(config, article, assets, pictures)[2]


def _image_source(
    config: SiteConfig, article: Article, assets: set[str], pictures: Mapping[str, Picture] | None,
) -> tuple[str, Picture | None, list[Diagnostic]]:
    """Return the URL of an article's image, its picture (None when remote or broken), and its problems."""
    assert article.image is not None
    problems: list[Diagnostic] = []
    where = asset_path(config, article.image.src, posixpath.dirname(article.path), assets)
    if where is None:
        problems.append(error(article.path, article.line_of("image"),
                              f"image '{article.image.src}' not found next to the article"))
        where = article.image.src
    if not article.image.alt:
        problems.append(warning(article.path, article.line_of("image"),
                                "image has no alt text; add 'alt:' for readers who cannot see it"))
    url = where if where.startswith(("https://", "http://")) or (":" in where and urlsplit(where).scheme) \
        else site_path(config, where)
    picture = None if pictures is None else pictures.get(url)
    if picture is not None and picture.problem is not None:
        problems.append(error(article.path, article.line_of("image"), f"image '{article.image.src}' {picture.problem}"))
        picture = None
    return url, picture, problems


def make_entry(
    config: SiteConfig,
    article: Article,
    path: str,
    body: RenderedBody,
    links: Links,
    assets: set[str],
    pictures: Mapping[str, Picture] | None = None,
) -> Entry:
    """Return an article as templates see it (its warnings come from ``image_view``, through ``catalogue``)."""
    pictures = {} if pictures is None else pictures
    image = image_view(config, article, assets, pictures)[0]
    updated = article.updated
    corrections = tuple([_notice_view(config, n) for n in article.corrections])
    updates = tuple([_notice_view(config, n) for n in article.updates])
    modified = _latest(article)
    return Entry(
        path=article.path,
        title=smarten(article.title),
        url=site_path(config, path),
        output=output_file(path),
        date=article.date,
        date_iso=iso_date(article.date, article.date_only, config),
        date_display=format_date(article.date, config),
        updated=updated,
        updated_iso=None if updated is None else iso_date(updated, article.updated_date_only, config),
        updated_display=None if updated is None else format_date(updated, config),
        standfirst=None if article.standfirst is None else smarten(article.standfirst),
        summary=smarten(article.standfirst) if article.standfirst else body.first_paragraph,
        authors=article.authors,
        source=article.source,
        image=image,
        topics=tuple([links.topics[name] for name in article.topics]),
        original_url=article.original_url,
        aliases=article.aliases,
        extra=article.extra,
        preview=preview_of(article),
        pictures=pictures,
        author_links=tuple([links.authors[name] for name in article.authors]),
        source_link=None if article.source is None else links.sources[article.source],
        corrections=corrections,
        updates=updates,
        modified=None if modified is None else modified[0],
        modified_iso=None if modified is None else iso_date(modified[0], modified[1], config),
        modified_display=None if modified is None else format_date(modified[0], config),
    )


def _notice_view(config: SiteConfig, notice: Notice) -> NoticeView:
    return NoticeView(notice.date, notice.date_only, iso_date(notice.date, notice.date_only, config),
                      format_date(notice.date, config), notice.text)


def _latest(article: Article) -> tuple[dt.datetime, bool] | None:
    """Return the latest of an article's ``updated`` and its corrections' and updates' dates, if any."""
    dates = [(n.date, n.date_only) for n in article.corrections + article.updates]
    if article.updated is not None:
        dates.append((article.updated, article.updated_date_only))
    return max(dates, key=lambda d: d[0].timestamp()) if dates else None


def last_modified(article: Article) -> dt.datetime:
    """Return when an article last changed: the latest of its date, ``updated``, corrections and updates."""
    latest = _latest(article)
    return article.date if latest is None or latest[0] <= article.date else latest[0]
