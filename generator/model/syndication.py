"""The output plan beyond the pages: feeds, sitemaps and robots.txt (SPEC section 5)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Iterator, Mapping

from generator.model.body import RenderedBody
from generator.content.articles import Article
from generator.content.language import theme_text
from generator.model.catalogue import Topic, output_file, preview_of, site_path
from generator.model.feeds import (
    ATOM_FILE,
    NEWS_SITEMAP_FILE,
    RSS_FILE,
    SITEMAP_FILE,
    SITEMAP_LIMIT,
    FeedPlan,
    SitemapUrl,
    NewsPlan,
    last_changed,
    news_articles,
    plan_feed,
    rfc3339,
    sitemap_files,
)
from generator.model.plan import PageSpec, ShownArticle, ShownArticles, Site

log = logging.getLogger(__name__)

# Pages search engines should know about; 404, search and alias pages are left out.
INDEXED_KINDS = ("home", "topic", "topics", "article", "author", "source", "authors", "sources", "year", "month",
                 "archive")


def published_only(site: Site) -> list[Article]:
    """Return the site's articles that are not previews: drafts and scheduled articles, shown by
    --drafts and --future builds, never enter feeds or sitemaps (SPEC section 13)."""
    return [article for article in site.articles if preview_of(article) is None]


def _previews(site: Site) -> set[str]:
    return {article.path for article in site.articles if preview_of(article) is not None}


def feed_pages(site: Site) -> list[PageSpec]:
    """Return the feeds of the site and of each topic (made from its articles and topics, not its pages)."""
    pages = site_feed_specs(site)
    previews = _previews(site)
    for topic in site.topics:
        pages.extend(topic_feed_specs(site, topic, previews))
    for author in site.authors:
        pages.extend(term_feed_specs(site, author, _words(site, "author_page_description", author=author.name), previews))
    for source in site.sources:
        pages.extend(term_feed_specs(site, source, _words(site, "source_page_description", source=source.name), previews))
    return pages


def index_pages(site: Site, sitemap_limit: int = SITEMAP_LIMIT) -> list[PageSpec]:
    """Return what lists the site's pages for search engines: the sitemaps and robots.txt."""
    config = site.config
    pages = sitemap_specs(site, sitemap_limit)
    pages.append(news_sitemap_spec(site))
    advertised = [config.absolute_url(site_path(config, "/" + name)) for name in (SITEMAP_FILE, NEWS_SITEMAP_FILE)]
    pages.append(PageSpec("robots.txt", "robots.txt", {"sitemaps": advertised}, "site.yaml", ()))
    return pages


def feed_bodies(bodies: Mapping[str, RenderedBody]) -> Mapping[str, str]:
    """Return each body's HTML by source path, as the feeds look them up."""
    return _BodyHtml(bodies)


def site_feed_specs(site: Site) -> list[PageSpec]:
    """Return the site's Atom and RSS feeds."""
    config = site.config
    articles = [article.path for article in published_only(site)]
    return _feed_specs("/", plan_feed(config, config.title, config.description, site_path(config, "/"), articles),
                       "site.yaml")


def topic_feed_specs(site: Site, topic: Topic, previews: set[str] | None = None) -> list[PageSpec]:
    """Return one topic's Atom and RSS feeds; ``previews`` are the paths of articles they leave out."""
    return term_feed_specs(site, topic, topic.description or _words(site, "topic_page_description", topic=topic.name),
                           previews)


def _words(site: Site, key: str, **values: object) -> str:
    """Return the theme string ``key`` in the site's language (SPEC section 14)."""
    return theme_text(site.config.strings, site.config.language, key, None, **values)


def term_feed_specs(site: Site, term: Topic, subtitle: str, previews: set[str] | None = None) -> list[PageSpec]:
    """Return the Atom and RSS feeds of a topic, an author or a source (SPEC section 10), without previews.

    Like the list pages (``plan._list_pages``), the feeds are owned by site.yaml in diagnostics.
    """
    config = site.config
    previews = _previews(site) if previews is None else previews
    shown = [path for path in term.articles if path not in previews] if previews else term.articles
    feed = plan_feed(config, f"{config.title}: {term.name}", subtitle, term.url, shown)
    return _feed_specs(term.path, feed, "site.yaml")


def sitemap_specs(site: Site, sitemap_limit: int = SITEMAP_LIMIT) -> list[PageSpec]:
    """Return the sitemap files (one, or an index and its children past ``sitemap_limit`` URLs)."""
    config = site.config
    sitemaps = sitemap_files(sitemap_urls(site), config.absolute_url(site_path(config, "/")), sitemap_limit)
    # URLs and last changes are the site's structure: sitemaps show no article's own content.
    return [PageSpec(sitemap.path, "sitemap.xml", {"sitemap": sitemap}, "site.yaml", ()) for sitemap in sitemaps]


def news_sitemap_spec(site: Site) -> PageSpec:
    """Return the Google News sitemap of the site's recent articles."""
    # It shows the recent articles' titles: theirs is content the structure leaves out.
    shown = tuple(news_articles(published_only(site), site.urls))
    return PageSpec(NEWS_SITEMAP_FILE, "news-sitemap.xml", {"news": NewsPlan(shown)}, "site.yaml", shown)


def _feed_specs(root: str, feed: FeedPlan, source: str) -> list[PageSpec]:
    shows = feed.articles
    return [PageSpec(output_file(root + ATOM_FILE), "atom.xml", {"feed": feed}, source, shows),
            PageSpec(output_file(root + RSS_FILE), "rss.xml", {"feed": feed}, source, shows)]


def sitemap_urls(site: Site) -> list[SitemapUrl]:
    """Return every indexable page once, in plan order, with its last change as lastmod."""
    config = site.config
    changes = {article.path: last_changed(article) for article in published_only(site)}
    newest = max(changes.values(), default=None)
    # Each date is written once, however many list pages end on it (a sitemap of a large site
    # names every page: issue 10, a structural change plans it again).
    written: dict[dt.datetime, str] = {}
    previews = len(changes) < len(site.articles)
    urls: list[SitemapUrl] = []
    for spec in site.pages:
        context = spec.context
        page = context.get("page")
        if page is None or page.kind not in INDEXED_KINDS:
            continue
        shown, listed = context.get("article"), context.get("entries")
        changed: dt.datetime | None
        if isinstance(shown, ShownArticle):
            changed = changes.get(shown.path)
            if changed is None:
                continue  # a preview
        elif isinstance(listed, ShownArticles) and listed.paths:
            paths = [path for path in listed.paths if path in changes] if previews else listed.paths
            changed = max([changes[path] for path in paths]) if paths else newest
        else:
            changed = newest
        if changed is None:
            urls.append(SitemapUrl(page.canonical, None))
            continue
        lastmod = written.get(changed)
        if lastmod is None:
            lastmod = written[changed] = rfc3339(changed, config)
        urls.append(SitemapUrl(page.canonical, lastmod))
    return urls


class _BodyHtml(Mapping[str, str]):
    """Each body's HTML, looked up only for the articles a feed carries (issue 5: a large site's
    bodies are the bulk of its memory, and most are in no feed)."""

    def __init__(self, bodies: Mapping[str, RenderedBody]) -> None:
        self._bodies = bodies

    def __getitem__(self, path: str) -> str:
        html = self._bodies[path].html
        if not isinstance(html, str):
            raise TypeError("feeds need bodies as HTML text (build.sources.decoded_bodies)")
        return html

    def __iter__(self) -> Iterator[str]:
        return iter(self._bodies)

    def __len__(self) -> int:
        return len(self._bodies)
