"""The output plan: the pages made from the catalogue, each a PageSpec with its template and context."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from markupsafe import Markup

from generator.content.articles import Article
from generator.content.comments import comments_embed
from generator.content.config import SiteConfig
from generator.diagnostics import Diagnostic, error
from generator.model.body import RenderedBody, StoredHtml
from generator.model.catalogue import (
    Catalogue,
    Entry,
    HeldBack,
    Topic,
    cut_description,
    output_file,
    related_entries,
    site_path,
)
from generator.model.feeds import FeedLink, feed_links

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
    entries: tuple[Entry, ...]
    topics: tuple[Topic, ...]
    pages: tuple[PageSpec, ...]
    held_back: tuple[HeldBack, ...] = field(default=())


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


def _title(*parts: str) -> str:
    return " | ".join(p for p in parts if p)


def article_page(config: SiteConfig, nav: Nav, entry: Entry, body: str | StoredHtml, related: list[Entry]) -> PageSpec:
    page = PageMeta(
        kind="article",
        url=entry.url,
        canonical=config.absolute_url(entry.url),
        title=_title(entry.title, config.title),
        description=cut_description(entry.summary),
    )
    # The Markdown renderer's output is trusted HTML; a stored body stays stored until it prints.
    html = body if isinstance(body, (Markup, StoredHtml)) else Markup(body)
    context = {"page": page, "nav": nav, "article": entry, "body": html, "related": related}
    context["comments"] = None if config.comments is None else comments_embed(
        config.comments, entry.url, page.canonical, entry.title, config.language)
    return PageSpec(entry.output, "article.html", context, entry.path, (entry.path, *[r.path for r in related]))


def _alias_pages(config: SiteConfig, entry: Entry) -> list[PageSpec]:
    target = config.absolute_url(entry.url)
    return [PageSpec(output_file(alias), "redirect.html", {"target": target, "alias": alias}, entry.path, ())
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
        shown = list(entries[index * size: (index + 1) * size])
        context = {
            "page": page, "nav": nav, "topic": view, "entries": shown,
            "pagination": Pagination(number, total, prev_url, next_url),
        }
        pages.append(PageSpec(output_file(path), "list.html", context, "site.yaml", tuple(e.path for e in shown)))
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
