"""The output plan: the pages made from the catalogue, each a PageSpec with its template and context."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Sequence

from markupsafe import Markup

from generator.content.articles import Article
from generator.content.comments import comments_embed
from generator.content.config import SiteConfig
from generator.diagnostics import Diagnostic, error
from generator.model.catalogue import (
    Catalogue,
    Entry,
    HeldBack,
    Topic,
    cut_description,
    output_file,
    related_articles,
    site_path,
)
from generator.model.feeds import FeedItem, FeedLink, FeedPlan, NewsPlan, feed_links, feed_of, news_sitemap_of
from generator.model.pictures import responsive_body

log = logging.getLogger(__name__)

TOPICS_INDEX = "/topics/"
SEARCH_PAGE = "/search/"
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
              site_path(config, SEARCH_PAGE) if search else None)
    urls = {a.path: site_path(config, paths[a.path]) for a in articles}
    pages: list[PageSpec] = []
    if related is None:
        related = related_articles(articles)
    for article in articles:
        url = urls[article.path]
        pages.append(article_page(config, nav, article.path, url, output_file(paths[article.path]),
                                  related[article.path]))
        pages.extend(_alias_pages(config, article, url))
    pages.extend(_list_pages(config, nav, "/", tuple(a.path for a in articles), None))
    for topic in topics:
        pages.extend(_list_pages(config, nav, topic.path, topic.articles, topic))
    pages.append(_topics_page(config, nav, topics))
    pages.append(_not_found_page(config, nav))
    pages.append(_search_page(config, nav))
    return Site(config, articles, urls, topics, tuple(pages), tuple(held_back))


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


def _list_pages(
    config: SiteConfig, nav: Nav, root: str, articles: Sequence[str], topic: Topic | None
) -> list[PageSpec]:
    """Return the paginated list pages at ``root`` (relative to site root): root, root/page/2/, ..."""
    size = config.per_page
    total = max(1, -(-len(articles) // size))
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
        shown = tuple(articles[index * size: (index + 1) * size])
        context = {
            "page": page, "nav": nav, "topic": view, "entries": ShownArticles(shown),
            "pagination": Pagination(number, total, prev_url, next_url),
        }
        pages.append(PageSpec(output_file(path), "list.html", context, "site.yaml", shown))
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
                    {"page": page, "nav": nav, "topics": views}, "site.yaml", ())


def _not_found_page(config: SiteConfig, nav: Nav) -> PageSpec:
    url = site_path(config, "/404.html")
    page = PageMeta("404", url, config.absolute_url(url), _title("Page not found", config.title),
                    "The page you asked for is not here.")
    return PageSpec("404.html", "404.html", {"page": page, "nav": nav}, "site.yaml", ())


def _search_page(config: SiteConfig, nav: Nav) -> PageSpec:
    # Written even with --no-search, so an old bookmark finds a page that says search is off.
    url = site_path(config, SEARCH_PAGE)
    page = PageMeta("search", url, config.absolute_url(url), _title("Search", config.title),
                    cut_description(f"Search every briefing on {config.title}."))
    return PageSpec(output_file(SEARCH_PAGE), "search.html",
                    {"page": page, "nav": nav, "search_base": site_path(config, "/")}, "site.yaml", ())
