"""The output plan: the pages made from the catalogue, each a PageSpec with its template and context."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from markupsafe import Markup

from generator.content.articles import Article
from generator.content.comments import comments_embed
from generator.content.config import SiteConfig
from generator.content.language import theme_text
from generator.diagnostics import Diagnostic, HeldBack, error
from generator.model.archives import ARCHIVE_INDEX, ArchiveYear, date_archives
from generator.model.catalogue import (
    Catalogue,
    Entry,
    ImageView,
    Topic,
    cut_description,
    output_file,
    site_path,
)
from generator.model.feeds import FeedItem, FeedLink, FeedPlan, NewsPlan, feed_links, feed_of, news_sitemap_of
from generator.model.pictures import Picture, responsive_body
from generator.model.related import related_articles

log = logging.getLogger(__name__)

TOPICS_INDEX = "/topics/"
SEARCH_PAGE = "/search/"
AUTHORS_INDEX = "/authors/"
SOURCES_INDEX = "/sources/"


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
    authors_url: str = ""
    sources_url: str = ""
    archive_url: str = ""


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One file to render: where it goes, with which template and context, and which source owns it."""

    output: str
    template: str
    context: Mapping[str, Any]
    source: str
    # The articles (source paths) whose own content the page shows; everything else it shows comes
    # from the site's structure and settings (``catalogue.structure_of``). None: not declared, and
    # the page's whole context stands for its inputs.
    shows: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # published, newest first
    urls: Mapping[str, str]  # each article's URL (under the base path) by source path
    topics: tuple[Topic, ...]
    pages: tuple[PageSpec, ...]
    held_back: tuple[HeldBack, ...] = field(default=())
    authors: tuple[Topic, ...] = ()
    sources: tuple[Topic, ...] = ()


# What a page's context may hold in place of an article's own content: the page names the
# article, and gets its entry, body or head when it renders (``resolve_context``). So the plan is
# made from the site's structure alone, and a page that is current never makes its articles' entries.
# Named tuples: a plan makes five per article page, and a tuple is made at a fraction of the cost
# of a frozen dataclass.


class ShownArticle(NamedTuple):
    """An article a page shows, by source path: its ``Entry`` when the page renders."""

    path: str


class ShownArticles(NamedTuple):
    """Articles a page lists, by source path, in order: a list of their entries when the page renders."""

    paths: tuple[str, ...]


class ArticleHead(NamedTuple):
    """An article page's ``PageMeta`` without its title and description, which are the article's own."""

    url: str
    canonical: str
    path: str
    kind: str = "article"


class ArticleBody(NamedTuple):
    """An article's body: its HTML when the page renders."""

    path: str


class ArticleComments(NamedTuple):
    """The comments embed under an article, which names the article's title."""

    path: str
    url: str
    canonical: str


_NAMED = (ShownArticle, ShownArticles, ArticleHead, ArticleBody, ArticleComments, FeedPlan, NewsPlan)


def names_articles(context: Mapping[str, Any]) -> bool:
    """Return whether ``context`` holds an article by name, to be made whole by ``resolve_context``."""
    return any(isinstance(value, _NAMED) for value in context.values())


def resolve_context(
    config: SiteConfig, context: Mapping[str, Any], entries: Mapping[str, Entry], bodies: Mapping[str, str],
    feed_items: dict[str, FeedItem] | None = None,
) -> dict[str, Any]:
    """Return ``context`` with each article it names made whole: entries, bodies (HTML), heads, feeds."""
    resolved = dict(context)
    for name, value in context.items():
        if isinstance(value, ShownArticle):
            resolved[name] = entries[value.path]
        elif isinstance(value, ShownArticles):
            resolved[name] = [entries[path] for path in value.paths]
        elif isinstance(value, ArticleHead):
            entry = entries[value.path]
            resolved[name] = PageMeta(value.kind, value.url, value.canonical, _title(entry.title, config.title),
                                      cut_description(entry.summary))
        elif isinstance(value, ArticleBody):
            html = bodies[value.path]
            shown = entries.get(value.path)
            if shown is not None and shown.pictures:
                # The body's pictures get their derivatives; the first is the page's first without a hero.
                html = responsive_body(html, shown.pictures, shown.image is None)
            # The Markdown renderer's output is trusted HTML.
            resolved[name] = html if isinstance(html, Markup) else Markup(html)
        elif isinstance(value, ArticleComments):
            assert config.comments is not None, "comments planned for a site without them"
            resolved[name] = comments_embed(config.comments, value.url, value.canonical, entries[value.path].title,
                                            config.language)
        elif isinstance(value, FeedPlan):
            resolved[name] = feed_of(config, value, entries, bodies, feed_items)
        elif isinstance(value, NewsPlan):
            resolved[name] = news_sitemap_of(config, [entries[path] for path in value.paths])
    return resolved


def plan_site(
    config: SiteConfig, catalogue: Catalogue, paths: Mapping[str, str], held_back: Sequence[HeldBack] = (),
    search: bool = True, related: Mapping[str, tuple[str, ...]] | None = None,
) -> Site:
    """Return the site with the pages made from ``catalogue``.

    ``paths`` is each article's URL path relative to the site root; ``related`` is
    ``related_articles`` of the catalogue's articles, if the caller has it already. The plan's
    warnings are ``catalogue.problems`` and ``alias_clashes`` of its pages: those name lines of the
    articles, which are their content, while the plan follows from the structure alone.
    """
    articles, topics = catalogue.articles, catalogue.topics
    nav = Nav(site_path(config, "/"), site_path(config, TOPICS_INDEX),
              site_path(config, SEARCH_PAGE) if search else None,
              site_path(config, index_path(config.permalinks.author, AUTHORS_INDEX)),
              site_path(config, index_path(config.permalinks.source, SOURCES_INDEX)), site_path(config, ARCHIVE_INDEX))
    urls = {a.path: site_path(config, paths[a.path]) for a in articles}
    pages: list[PageSpec] = []
    if related is None:
        related = related_articles(articles)
    for article in articles:
        url = urls[article.path]
        pages.append(article_page(config, nav, article.path, url, output_file(paths[article.path]),
                                  related[article.path]))
        pages.extend(_alias_pages(config, article, url))
    pages.extend(_list_pages(config, nav, "/", tuple(a.path for a in articles), _home_head(config)))
    for topic in topics:
        pages.extend(_list_pages(config, nav, topic.path, topic.articles, _topic_head(config, topic)))
    pages.append(_topics_page(config, nav, topics))
    pages.extend(newsroom_pages(config, nav, catalogue))
    pages.append(_not_found_page(config, nav))
    pages.append(_search_page(config, nav))
    return Site(config, articles, urls, topics, tuple(pages), tuple(held_back), catalogue.authors, catalogue.sources)


def index_path(pattern: str, fallback: str) -> str:
    """Return the index page of a taxonomy: the folder its pattern puts term pages in
    (``/authors/{slug}/`` -> ``/authors/``), or ``fallback`` when that is the site root."""
    folder = pattern.split("{", 1)[0].rsplit("/", 1)[0] + "/"
    return folder if folder != "/" else fallback


def _words(config: SiteConfig, key: str, **values: object) -> str:
    """Return the theme string ``key`` in the site's language, as templates print it with ``t``."""
    return theme_text(config.strings, config.language, key, None, **values)


def _title(*parts: str) -> str:
    return " | ".join(p for p in parts if p)


def article_page(
    config: SiteConfig, nav: Nav, path: str, url: str, output: str, related: tuple[str, ...]
) -> PageSpec:
    """Return the page of the article at source ``path``, which shows it and its related briefings."""
    canonical = config.absolute_url(url)
    context = {"page": ArticleHead(url, canonical, path), "nav": nav, "article": ShownArticle(path),
               "body": ArticleBody(path), "related": ShownArticles(related),
               "comments": None if config.comments is None else ArticleComments(path, url, canonical)}
    return PageSpec(output, "article.html", context, path, (path, *related))


def _alias_pages(config: SiteConfig, article: Article, url: str) -> list[PageSpec]:
    target = config.absolute_url(url)
    return [PageSpec(output_file(alias), "redirect.html", {"target": target, "alias": alias}, article.path, ())
            for alias in dict.fromkeys(article.aliases)]


def alias_clashes(pages: Sequence[PageSpec], articles: Sequence[Article]) -> list[Diagnostic]:
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


class ListHead(NamedTuple):
    """What sets one paginated list apart: its kind, template, name, description, feeds and own context."""

    kind: str  # the page kind: home, topic, author, source, year, month
    template: str
    name: str  # in the page title; empty for the home page
    description: str
    feeds: bool
    context: Mapping[str, Any]  # e.g. {"topic": TopicView}; every list page also gets "topic"


def _home_head(config: SiteConfig) -> ListHead:
    return ListHead("home", "list.html", "", config.description, True, {})


def _topic_head(config: SiteConfig, topic: Topic) -> ListHead:
    view = TopicView(topic.name, topic.url, topic.description, topic.count)
    return ListHead("topic", "list.html", topic.name,
                    topic.description or _words(config, "topic_page_description", topic=topic.name), True,
                    {"topic": view})


def _list_pages(config: SiteConfig, nav: Nav, root: str, articles: Sequence[str], head: ListHead) -> list[PageSpec]:
    """Return the paginated list pages at ``root`` (relative to site root): root, root/page/2/, ...

    ``root/page/`` redirects to ``root``, so a reader who trims a later page's URL finds the list.
    """
    size = config.per_page
    total = max(1, -(-len(articles) // size))
    paths = [root] + [f"{root}page/{n}/" for n in range(2, total + 1)]
    urls = [site_path(config, p) for p in paths]
    name = head.name
    feeds = feed_links(config, site_path(config, root), f"{config.title}: {name}" if name else config.title) \
        if head.feeds else ()
    pages = []
    for index, path in enumerate(paths):
        number = index + 1
        prev_url = urls[index - 1] if index > 0 else None
        next_url = urls[index + 1] if number < total else None
        suffix = _words(config, "page_number", number=number) if number > 1 else ""
        page = PageMeta(
            kind=head.kind,
            url=urls[index],
            canonical=config.absolute_url(urls[index]),
            title=_title(f"{name} ({suffix})" if name and suffix else name or suffix, config.title),
            description=cut_description(head.description or config.title),
            prev_url=prev_url,
            next_url=next_url,
            feeds=feeds,
        )
        shown = tuple(articles[index * size: (index + 1) * size])
        context = {
            "page": page, "nav": nav, "topic": None, **head.context, "entries": ShownArticles(shown),
            "pagination": Pagination(number, total, prev_url, next_url),
        }
        pages.append(PageSpec(output_file(path), head.template, context, "site.yaml", shown))
    if total > 1:
        target = config.absolute_url(urls[0])
        pages.append(PageSpec(output_file(f"{root}page/"), "redirect.html", {"target": target, "alias": f"{root}page/"},
                              "site.yaml", ()))
    return pages


@dataclass(frozen=True, slots=True)
class TopicView:
    name: str
    url: str
    description: str | None
    count: int


def _topics_page(config: SiteConfig, nav: Nav, topics: Sequence[Topic]) -> PageSpec:
    url = nav.topics_url
    page = PageMeta("topics", url, config.absolute_url(url), _title(_words(config, "topics"), config.title),
                    cut_description(_words(config, "topics_page_description", site=config.title)))
    views = [TopicView(t.name, t.url, t.description, t.count) for t in sorted(topics, key=lambda t: (t.name.casefold(), t.slug))]
    return PageSpec(output_file(TOPICS_INDEX), "topics.html",
                    {"page": page, "nav": nav, "topics": views}, "site.yaml", ())


@dataclass(frozen=True, slots=True)
class AuthorView:
    """An author as the author page shows them: the profile from ``site.yaml: authors``, if any."""

    name: str
    url: str
    count: int
    bio: str | None  # Markdown
    image: ImageView | None  # with its derivatives when it is a picture under content/ (SPEC section 9)
    website: str | None
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArchiveView:
    """A year's or a month's archive page: its name, its count, and the pages around it."""

    name: str
    url: str
    count: int
    year_name: str
    year_url: str
    month: bool  # a month's page (else a year's)
    months: tuple[TopicView, ...]  # on a year's page, each month with its count, newest first


def newsroom_pages(config: SiteConfig, nav: Nav, catalogue: Catalogue) -> list[PageSpec]:
    """Return the author and source pages, their index pages, and the date archives (SPEC section 10)."""
    pages: list[PageSpec] = []
    for author in catalogue.authors:
        pages.extend(_list_pages(config, nav, author.path, author.articles,
                                 _author_head(config, author, catalogue.pictures)))
    for source in catalogue.sources:
        pages.extend(_list_pages(config, nav, source.path, source.articles, ListHead(
            "source", "source.html", source.name, _words(config, "source_page_description", source=source.name), True,
            {"source": TopicView(source.name, source.url, None, source.count)})))
    pages.append(_terms_page(config, nav, catalogue.authors, "authors", index_path(config.permalinks.author, AUTHORS_INDEX),
                             _words(config, "authors"), _words(config, "authors_page_description", site=config.title)))
    pages.append(_terms_page(config, nav, catalogue.sources, "sources", index_path(config.permalinks.source, SOURCES_INDEX),
                             _words(config, "sources"), _words(config, "sources_page_description", site=config.title)))
    years = date_archives(config, catalogue.articles)
    for year in years:
        months = tuple(TopicView(m.name, m.url, None, m.count) for m in year.months)
        view = ArchiveView(year.name, year.url, year.count, year.name, year.url, False, months)
        pages.extend(_list_pages(config, nav, year.path, year.articles, ListHead(
            "year", "archive.html", year.name, _words(config, "archive_page_description", period=year.name), False,
            {"archive": view})))
        for month in year.months:
            view = ArchiveView(month.name, month.url, month.count, year.name, year.url, True, ())
            pages.extend(_list_pages(config, nav, month.path, month.articles, ListHead(
                "month", "archive.html", month.name, _words(config, "archive_page_description", period=month.name),
                False, {"archive": view})))
    pages.append(_archive_page(config, nav, years))
    return pages


def _author_head(config: SiteConfig, author: Topic, pictures: Mapping[str, Picture]) -> ListHead:
    profile = config.authors.get(author.name)
    url = None if profile is None or profile.image is None else (
        profile.image if "://" in profile.image else site_path(config, "/" + profile.image))
    picture = None if url is None else pictures.get(url)
    # Decorative beside the author's name (alt=""); a picture that cannot be decoded is an error before any
    # page renders (``profile_problems``).
    image = None if url is None else ImageView(url, "", None, None, None if picture is None or picture.problem
                                               else picture)
    view = AuthorView(author.name, author.url, author.count, profile.bio if profile else None, image,
                      profile.url if profile else None, profile.links if profile else ())
    return ListHead("author", "author.html", author.name, _words(config, "author_page_description", author=author.name),
                    True, {"author": view})


def profile_problems(config: SiteConfig, pictures: Mapping[str, Picture],
                     line_of: Callable[[str], int]) -> list[Diagnostic]:
    """Return an error for each author profile's picture that cannot be decoded (SPEC section 9), at its
    line in site.yaml (``line_of`` a key such as ``authors.Jane Doe.image``)."""
    problems: list[Diagnostic] = []
    for name, profile in config.authors.items():
        if profile.image is None or "://" in profile.image:
            continue
        picture = pictures.get(site_path(config, "/" + profile.image))
        if picture is not None and picture.problem is not None:
            problems.append(error("site.yaml", line_of(f"authors.{name}.image"),
                                  f"image '{profile.image}' of author '{name}' {picture.problem}"))
    return problems


def _terms_page(config: SiteConfig, nav: Nav, terms: Sequence[Topic], kind: str, path: str, title: str,
                description: str) -> PageSpec:
    """Return the index of a taxonomy's terms, by name, each with its count (``/authors/``, ``/sources/``)."""
    url = site_path(config, path)
    page = PageMeta(kind, url, config.absolute_url(url), _title(title, config.title), cut_description(description))
    views = [TopicView(t.name, t.url, None, t.count) for t in sorted(terms, key=lambda t: (t.name.casefold(), t.slug))]
    return PageSpec(output_file(path), "terms.html", {"page": page, "nav": nav, "terms": views, "heading": title},
                    "site.yaml", ())


def _archive_page(config: SiteConfig, nav: Nav, years: Sequence[ArchiveYear]) -> PageSpec:
    """Return ``/archive/``: every year and month with its count, newest first."""
    url = nav.archive_url
    page = PageMeta("archive", url, config.absolute_url(url), _title(_words(config, "archive"), config.title),
                    cut_description(_words(config, "archive_index_description", site=config.title)))
    views = [ArchiveView(y.name, y.url, y.count, y.name, y.url, False,
                         tuple(TopicView(m.name, m.url, None, m.count) for m in y.months)) for y in years]
    return PageSpec(output_file(ARCHIVE_INDEX), "archives.html", {"page": page, "nav": nav, "years": views},
                    "site.yaml", ())


def _not_found_page(config: SiteConfig, nav: Nav) -> PageSpec:
    url = site_path(config, "/404.html")
    page = PageMeta("404", url, config.absolute_url(url), _title(_words(config, "page_not_found"), config.title),
                    _words(config, "not_found_page_description"))
    return PageSpec("404.html", "404.html", {"page": page, "nav": nav}, "site.yaml", ())


def _search_page(config: SiteConfig, nav: Nav) -> PageSpec:
    # Written even with --no-search, so an old bookmark finds a page that says search is off.
    url = site_path(config, SEARCH_PAGE)
    page = PageMeta("search", url, config.absolute_url(url), _title(_words(config, "search"), config.title),
                    cut_description(_words(config, "search_page_description", site=config.title)))
    return PageSpec(output_file(SEARCH_PAGE), "search.html",
                    {"page": page, "nav": nav, "search_base": site_path(config, "/")}, "site.yaml", ())
