"""The site model: which articles are published, their URLs, topics, pages and the output plan."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from markupsafe import Markup

from .comments import comments_embed
from .config import SiteConfig
from .content import Article
from .diagnostics import Diagnostic, error, warning
from .feeds import FeedLink, feed_links
from .markup import RenderedBody, smarten
from .slugs import unique_slugs

RELATED_LIMIT = 5
# How many date-neighbours per shared topic are considered as related briefings; bounds the
# work per article so huge topics ("Russia" with 5,000 briefings) stay linear overall.
RELATED_WINDOW = 12
DESCRIPTION_LIMIT = 160
TOPICS_INDEX = "/topics/"
SEARCH_PAGE = "/search/"


@dataclass(frozen=True, slots=True)
class HeldBack:
    """An article left out of the build, and why (SPEC section 5: the summary names each one)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class TopicLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ImageView:
    url: str
    alt: str
    caption: str | None
    credit: str | None


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


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    path: str
    url: str
    description: str | None
    entries: tuple[Entry, ...]

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the <head> of every page needs (SPEC sections 5 and 8)."""

    kind: str
    url: str
    canonical: str
    title: str
    description: str
    feeds: tuple[FeedLink, ...] = ()
    prev_url: str | None = None
    next_url: str | None = None


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class Nav:
    home_url: str
    topics_url: str
    # None when the site is built without search (--no-search): templates then hide the search box.
    search_url: str | None = None


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One file to render: where it goes, with which template and context, and which source owns it."""

    output: str
    template: str
    context: Mapping[str, Any]
    source: str


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    entries: tuple[Entry, ...]
    topics: tuple[Topic, ...]
    pages: tuple[PageSpec, ...]
    held_back: tuple[HeldBack, ...] = field(default=())


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
        else:
            kept.append(article)
    kept.sort(key=lambda a: (-a.date.timestamp(), a.title, a.path))
    held.sort(key=lambda h: h.path)
    return kept, held


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
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return src
    if src.startswith("/"):
        return src
    target = posixpath.normpath(posixpath.join(base_dir, src))
    return "/" + target.removeprefix("content/") if target in known else None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The published articles as entries and their topics: what every page of the site is made from."""

    entries: tuple[Entry, ...]
    topics: tuple[Topic, ...]
    problems: tuple[Diagnostic, ...]  # warnings, e.g. a missing image


def build_site(
    config: SiteConfig,
    articles: Sequence[Article],
    paths: Mapping[str, str],
    bodies: Mapping[str, RenderedBody],
    assets: set[str],
    held_back: Sequence[HeldBack] = (),
    search: bool = True,
) -> tuple[Site, list[Diagnostic]]:
    """Return the site with its output plan, plus warnings (e.g. a missing image)."""
    return plan_site(config, catalogue(config, articles, paths, bodies, assets), articles, bodies, held_back, search)


def catalogue(
    config: SiteConfig, articles: Sequence[Article], paths: Mapping[str, str], bodies: Mapping[str, RenderedBody],
    assets: set[str],
) -> Catalogue:
    """Return the entries of the published articles (newest first) and their topics."""
    problems: list[Diagnostic] = []
    topic_slugs = _topic_slugs(articles)
    topic_paths = {name: config.permalinks.topic.format(slug=slug) for name, slug in topic_slugs.items()}
    # One link per topic, shared by every entry in it (22,000 fewer objects at 10,000 articles).
    topic_links = {name: TopicLink(name, site_path(config, path)) for name, path in topic_paths.items()}
    entries = [make_entry(config, a, paths[a.path], bodies[a.path], topic_links, assets, problems) for a in articles]
    topics = _topics(config, entries, topic_slugs, topic_paths)
    return Catalogue(tuple(entries), tuple(topics), tuple(problems))


def plan_site(
    config: SiteConfig, catalogue: Catalogue, articles: Sequence[Article], bodies: Mapping[str, RenderedBody],
    held_back: Sequence[HeldBack] = (), search: bool = True, related: Mapping[str, list[Entry]] | None = None,
) -> tuple[Site, list[Diagnostic]]:
    """Return the site with the pages made from ``catalogue`` (of ``articles``), plus all its warnings.

    ``related`` is ``related_entries`` of the catalogue's entries, if the caller has it already.
    """
    entries, topics = catalogue.entries, catalogue.topics
    nav = Nav(site_path(config, "/"), site_path(config, TOPICS_INDEX),
              site_path(config, SEARCH_PAGE) if search else None)
    pages: list[PageSpec] = []
    if related is None:
        related = related_entries(entries)
    for entry in entries:
        pages.append(article_page(config, nav, entry, bodies[entry.path].html, related[entry.path]))
        pages.extend(_alias_pages(config, entry))
    pages.extend(_list_pages(config, nav, "/", entries, None))
    for topic in topics:
        pages.extend(_list_pages(config, nav, topic.path, topic.entries, topic))
    pages.append(_topics_page(config, nav, topics))
    pages.append(_not_found_page(config, nav))
    pages.append(_search_page(config, nav))
    problems = [*catalogue.problems, *_alias_clashes(pages, articles)]
    return Site(config, entries, topics, tuple(pages), tuple(held_back)), problems


def _topic_slugs(articles: Sequence[Article]) -> dict[str, str]:
    # SPEC section 8: colliding slugs are numbered in order of first appearance by date, then name.
    first_seen: dict[str, float] = {}
    for article in articles:
        stamp = article.date.timestamp()
        for name in article.topics:
            if name not in first_seen or stamp < first_seen[name]:
                first_seen[name] = stamp
    ordered = sorted(first_seen, key=lambda name: (first_seen[name], name))
    return unique_slugs(ordered, fallback="topic")


def format_date(moment: dt.datetime, config: SiteConfig) -> str:
    """Return a date as readers see it, in the site timezone: '9 January 2022'."""
    local = moment.astimezone(config.tz)
    return f"{local.day} {local:%B %Y}"


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


def make_entry(
    config: SiteConfig,
    article: Article,
    path: str,
    body: RenderedBody,
    topic_links: Mapping[str, TopicLink],
    assets: set[str],
    problems: list[Diagnostic],
) -> Entry:
    image = None
    if article.image is not None:
        where = asset_path(config, article.image.src, posixpath.dirname(article.path), assets)
        if where is None:
            problems.append(warning(article.path, article.line_of("image"), f"image '{article.image.src}' not found next to the article"))
            where = article.image.src
        if not article.image.alt:
            problems.append(warning(article.path, article.line_of("image"),
                                    "image has no alt text; add 'alt:' for readers who cannot see it"))
        url = where if urlsplit(where).scheme else site_path(config, where)
        image = ImageView(url, article.image.alt, article.image.caption, article.image.credit)
    updated = article.updated
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
        topics=tuple([topic_links[name] for name in article.topics]),
        original_url=article.original_url,
        aliases=article.aliases,
        extra=article.extra,
    )


def _topics(
    config: SiteConfig, entries: Sequence[Entry], slugs: Mapping[str, str], paths: Mapping[str, str]
) -> list[Topic]:
    members: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:  # already newest first
        for link in entry.topics:
            members[link.name].append(entry)
    topics = []
    for name in sorted(members, key=lambda n: (slugs[n], n)):
        meta = config.topics.get(name)
        description = meta.description if meta else None
        path = paths[name]
        topics.append(Topic(name, slugs[name], path, site_path(config, path), description, tuple(members[name])))
    return topics


def related_entries(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    """Return, per article, up to RELATED_LIMIT others sharing the most topics, nearest in date first."""
    index = RelatedIndex(entries)
    return {entry.path: [entries[other] for other in index.related(n)] for n, entry in enumerate(entries)}


class RelatedIndex:
    """Where each entry stands in each of its topics: built once, then asked entry by entry (the
    build asks from worker processes, each for its share of the entries)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        # Articles are counted by their index (issue 5: this runs for every article, and counting
        # ints in C is cheaper than hashing paths); each article's topics are unique (content.text_list).
        by_topic: dict[str, list[int]] = defaultdict(list)
        self._windows: list[list[tuple[list[int], int]]] = []
        for index, entry in enumerate(entries):
            own: list[tuple[list[int], int]] = []
            for link in entry.topics:
                members = by_topic[link.name]
                own.append((members, len(members)))
                members.append(index)
            self._windows.append(own)
        # Each timestamp once, not once per comparison.
        self._stamps = [entry.date.timestamp() for entry in entries]
        self._paths = [entry.path for entry in entries]

    def related(self, index: int) -> tuple[int, ...]:
        """Return the indexes of up to RELATED_LIMIT entries sharing the most topics with entry ``index``, nearest in date first."""
        stamps, paths = self._stamps, self._paths
        shared: Counter[int] = Counter()
        for members, at in self._windows[index]:
            shared.update(members[max(0, at - RELATED_WINDOW): at + RELATED_WINDOW + 1])
        del shared[index]
        own_stamp = stamps[index]
        # The RELATED_LIMIT smallest (most shared, nearest, path) keys; paths are unique, so
        # the order is total and sorting a few dozen keys in C beats a heap built in Python.
        best = sorted([(-count, abs(stamps[other] - own_stamp), paths[other], other)
                       for other, count in shared.items()])[:RELATED_LIMIT]
        return tuple([other for _count, _distance, _path, other in best])


def _title(*parts: str) -> str:
    return " | ".join(p for p in parts if p)


def article_page(config: SiteConfig, nav: Nav, entry: Entry, body: str, related: list[Entry]) -> PageSpec:
    page = PageMeta(
        kind="article",
        url=entry.url,
        canonical=config.absolute_url(entry.url),
        title=_title(entry.title, config.title),
        description=cut_description(entry.summary),
    )
    # Bodies usually arrive as Markup already; wrapping again would copy every body (issue 5).
    html = body if isinstance(body, Markup) else Markup(body)
    context = {"page": page, "nav": nav, "article": entry, "body": html, "related": related}
    context["comments"] = None if config.comments is None else comments_embed(
        config.comments, entry.url, page.canonical, entry.title, config.language)
    return PageSpec(entry.output, "article.html", context, entry.path)


def _alias_pages(config: SiteConfig, entry: Entry) -> list[PageSpec]:
    target = config.absolute_url(entry.url)
    return [PageSpec(output_file(alias), "redirect.html", {"target": target, "alias": alias}, entry.path)
            for alias in dict.fromkeys(entry.aliases)]


def _alias_clashes(pages: Sequence[PageSpec], articles: Sequence[Article]) -> list[Diagnostic]:
    """Return an error for each alias whose redirect would replace a page or another alias (SPEC section 3)."""
    lines = {a.path: a.line_of("aliases") for a in articles}
    owners: dict[str, PageSpec] = {spec.output: spec for spec in pages if spec.template != "redirect.html"}
    problems: list[Diagnostic] = []
    for spec in pages:
        if spec.template != "redirect.html":
            continue
        other = owners.setdefault(spec.output, spec)
        if other is not spec:
            what = f"alias {other.context['alias']} of" if other.template == "redirect.html" else "the page of"
            problems.append(error(spec.source, lines.get(spec.source, 1),
                                  f"alias {spec.context['alias']} clashes with {what} {other.source} ({spec.output})"))
    return problems


def _list_pages(
    config: SiteConfig, nav: Nav, root: str, entries: Sequence[Entry], topic: Topic | None
) -> list[PageSpec]:
    """Return the paginated list pages at ``root`` (relative to site root): root, root/page/2/, ..."""
    size = config.per_page
    total = max(1, -(-len(entries) // size))
    paths = [root] + [f"{root}page/{n}/" for n in range(2, total + 1)]
    urls = [site_path(config, p) for p in paths]
    name = topic.name if topic else ""
    description = (topic.description or f"Briefings on {topic.name}.") if topic else config.description
    view = None if topic is None else TopicView(topic.name, topic.url, topic.description, topic.count)
    pages = []
    for index, path in enumerate(paths):
        number = index + 1
        prev_url = urls[index - 1] if index > 0 else None
        next_url = urls[index + 1] if number < total else None
        suffix = f"page {number}" if number > 1 else ""
        page = PageMeta(
            kind="topic" if topic else "home",
            url=urls[index],
            canonical=config.absolute_url(urls[index]),
            title=_title(f"{name} ({suffix})" if name and suffix else name or suffix, config.title),
            description=cut_description(description or config.title),
            prev_url=prev_url,
            next_url=next_url,
            feeds=feed_links(config, site_path(config, root), f"{config.title}: {name}" if topic else config.title),
        )
        context = {
            "page": page, "nav": nav, "topic": view,
            "entries": list(entries[index * size: (index + 1) * size]),
            "pagination": Pagination(number, total, prev_url, next_url),
        }
        pages.append(PageSpec(output_file(path), "list.html", context, "site.yaml"))
    return pages


@dataclass(frozen=True, slots=True)
class TopicView:
    name: str
    url: str
    description: str | None
    count: int


def _topics_page(config: SiteConfig, nav: Nav, topics: Sequence[Topic]) -> PageSpec:
    url = nav.topics_url
    page = PageMeta("topics", url, config.absolute_url(url), _title("Topics", config.title),
                    cut_description(f"Every topic covered by {config.title}, with its number of briefings."))
    views = [TopicView(t.name, t.url, t.description, t.count) for t in sorted(topics, key=lambda t: (t.name.casefold(), t.slug))]
    return PageSpec(output_file(TOPICS_INDEX), "topics.html",
                    {"page": page, "nav": nav, "topics": views}, "site.yaml")


def _not_found_page(config: SiteConfig, nav: Nav) -> PageSpec:
    url = site_path(config, "/404.html")
    page = PageMeta("404", url, config.absolute_url(url), _title("Page not found", config.title),
                    "The page you asked for is not here.")
    return PageSpec("404.html", "404.html", {"page": page, "nav": nav}, "site.yaml")


def _search_page(config: SiteConfig, nav: Nav) -> PageSpec:
    # Written even with --no-search, so an old bookmark finds a page that says search is off.
    url = site_path(config, SEARCH_PAGE)
    page = PageMeta("search", url, config.absolute_url(url), _title("Search", config.title),
                    cut_description(f"Search every briefing on {config.title}."))
    return PageSpec(output_file(SEARCH_PAGE), "search.html",
                    {"page": page, "nav": nav, "search_base": site_path(config, "/")}, "site.yaml")
