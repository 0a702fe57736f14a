"""Feeds and sitemaps as plain data: Atom/RSS entries, sitemap files and the Google News sitemap.

Everything here is pure: values in, frozen values out. The XML itself comes from the templates
``atom.xml``, ``rss.xml``, ``sitemap.xml``, ``sitemap-index.xml`` and ``news-sitemap.xml`` (autoescaped,
so a site's ``layouts/`` can override them); this module makes every string XML-safe first, since
autoescaping does not remove control characters that XML 1.0 forbids (SPEC section 7).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from markupsafe import Markup

from generator.content.articles import Article
from generator.content.config import SiteConfig
from generator.content.language import theme_text
from generator.model.catalogue import Entry, ImageView, last_modified
from generator.model.pictures import HERO_SIZES, picture_markup, responsive_body

log = logging.getLogger(__name__)

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
ATOM_FILE = "feed.xml"
RSS_FILE = "rss.xml"
SITEMAP_FILE = "sitemap.xml"
NEWS_SITEMAP_FILE = "news-sitemap.xml"
# Limits from sitemaps.org (50,000 URLs per file) and Google News (1,000 URLs, two days).
SITEMAP_LIMIT = 50_000
NEWS_LIMIT = 1_000
NEWS_WINDOW = dt.timedelta(days=2)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# Characters XML 1.0 does not allow anywhere, not even escaped (C0 controls but tab/CR/LF,
# surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Site-absolute href/src in rendered HTML; feed readers have no page URL to resolve them against.
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed as a page advertises it: ``<link rel="alternate" type=... href=... title=...>``."""

    type: str
    url: str
    title: str


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article in a feed; every text is XML-safe and every URL absolute."""

    id: str
    title: str
    url: str
    published: str
    updated: str
    published_rfc822: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    summary: str
    content: str
    # Each byline's name with its author page (absolute), or the source's when there is no byline.
    author_links: tuple[tuple[str, str], ...] = ()
    # The source: its name, its page and its RSS feed (absolute), for <source> and a related link.
    source: tuple[str, str, str] | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A whole feed; ``updated`` is the newest entry's time, so equal input gives equal bytes."""

    title: str
    subtitle: str
    language: str
    site_url: str
    page_url: str
    atom_url: str
    rss_url: str
    updated: str
    updated_rfc822: str
    items: tuple[FeedItem, ...]


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """A feed as the plan holds it: what it lists. Its ``Feed``, which carries whole bodies, is made
    only when the feed is rendered (``feed_of``), so a build that finds it current never makes it."""

    title: str
    subtitle: str
    root: str
    articles: tuple[str, ...]  # source paths, newest first, at most ``feed_size``


@dataclass(frozen=True, slots=True)
class NewsPlan:
    """The Google News sitemap as the plan holds it: the articles it lists (``news_articles``), in order.
    It prints their titles, which are their own content: made when it renders (``news_sitemap_of``)."""

    paths: tuple[str, ...]


class SitemapUrl(NamedTuple):
    """One URL of a sitemap. A named tuple: a large site's sitemaps hold one per page, and are kept
    between builds (``build.cache.StageResults``), which unpickles tuples ten times faster than dataclasses."""

    loc: str
    lastmod: str | None = None


@dataclass(frozen=True, slots=True)
class SitemapFile:
    """One sitemap file: a ``urlset`` (``urls``) or, when ``index``, a list of child sitemaps."""

    path: str
    index: bool
    urls: tuple[SitemapUrl, ...]


@dataclass(frozen=True, slots=True)
class NewsItem:
    loc: str
    title: str
    published: str


@dataclass(frozen=True, slots=True)
class NewsSitemap:
    publication: str
    language: str
    items: tuple[NewsItem, ...]


class XmlSafeMarkup(Markup):
    """HTML known to hold no character XML 1.0 disallows, so printing need not look for them again.

    Only ``xml_safe_html`` makes one. Markup's methods build their results with the class of
    the text they work on (``replace``, ``+``, ``join``...); for this class they get a plain
    Markup, which printing looks through as it does any other value.
    """

    __slots__ = ()

    def __new__(cls, object: Any = "", encoding: str | None = None, errors: str = "strict") -> Markup:  # type: ignore[misc]
        return Markup(object, encoding, errors)


# Bytes the UTF-8 of a text holds if it may hold a character XML 1.0 disallows: the C0 controls
# but tab, LF and CR, and 0xBE and 0xBF, which end U+FFFE and U+FFFF (and some common letters;
# such texts take xml_safe's exact look). UTF-8 cannot hold surrogates.
_SUSPECT_UTF8 = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xBE, 0xBF])


def xml_safe_html(data: bytes) -> XmlSafeMarkup:
    """Return trusted UTF-8 HTML (a rendered body) as text without the characters XML 1.0 cannot hold.

    Deleting a few byte values in C and comparing lengths tells most texts apart from those that
    need a closer look, at a third of what a regular expression over the decoded text costs.
    """
    text = data.decode("utf-8")
    if len(data.translate(None, _SUSPECT_UTF8)) != len(data):
        text = xml_safe(text)
    return str.__new__(XmlSafeMarkup, text)


def xml_safe(text: str) -> str:
    """Return ``text`` as a plain str without the characters XML 1.0 cannot hold."""
    plain = str(text)
    # re.sub copies even when nothing matches; feed contents are whole article bodies (issue 5).
    return plain if _NOT_XML.search(plain) is None else _NOT_XML.sub("", plain)


def rfc3339(moment: dt.datetime, config: SiteConfig) -> str:
    """Return an Atom date: RFC 3339 with the site timezone's offset."""
    return moment.astimezone(config.tz).isoformat()


def rfc822(moment: dt.datetime, config: SiteConfig) -> str:
    """Return an RSS 2.0 date: RFC 822 (as RFC 2822 writes it) with a numeric offset."""
    return email.utils.format_datetime(moment.astimezone(config.tz))


def absolute_html(html: str, config: SiteConfig) -> str:
    """Return ``html`` with site-absolute links and images made absolute (for feed readers)."""
    # re.sub would copy the whole body even when nothing matches (issue 5), and the pattern's
    # leading \s makes even a search slow; a plain substring test rules out most bodies.
    if '="/' not in html or _ROOT_RELATIVE.search(html) is None:
        return html
    origin = config.absolute_url("/").rstrip("/")
    return _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{origin}/", html)


def absolute(config: SiteConfig, url: str) -> str:
    """Return an absolute URL for a site-absolute path; URLs with a scheme pass through."""
    return url if "://" in url else config.absolute_url(url)


def feed_links(config: SiteConfig, root: str, label: str) -> tuple[FeedLink, ...]:
    """Return the Atom and RSS feeds living under ``root`` (a site path ending in '/')."""
    return (FeedLink(ATOM_TYPE, root + ATOM_FILE, f"{label} (Atom)"),
            FeedLink(RSS_TYPE, root + RSS_FILE, f"{label} (RSS)"))


def last_changed(entry: Entry | Article) -> dt.datetime:
    """Return when an article last changed: the latest of its ``updated``, corrections and updates, if
    later than its date (SPEC section 11)."""
    if isinstance(entry, Article):
        return last_modified(entry)
    changed = entry.modified if entry.modified is not None else entry.updated
    return changed if changed is not None and changed > entry.date else entry.date


def plan_feed(config: SiteConfig, title: str, subtitle: str, root: str, articles: Sequence[str]) -> FeedPlan:
    """Return the plan of the feed of the newest ``feed_size`` articles (source paths, already newest first)."""
    return FeedPlan(title, subtitle, root, tuple(articles[: config.feed_size]))


def feed_of(
    config: SiteConfig, plan: FeedPlan, entries: Mapping[str, Entry], bodies: Mapping[str, str],
    made: dict[str, FeedItem] | None = None,
) -> Feed:
    """Return the feed ``plan`` lists, with each entry's whole body."""
    return build_feed(config, plan.title, plan.subtitle, plan.root, [entries[path] for path in plan.articles],
                      bodies, made)


def build_feed(
    config: SiteConfig, title: str, subtitle: str, root: str, entries: Sequence[Entry], bodies: Mapping[str, str],
    made: dict[str, FeedItem] | None = None,
) -> Feed:
    """Return the feed of the newest ``feed_size`` entries (already newest first) with full content.

    ``made`` shares items between the feeds of one build: an article in several topics' feeds
    is shaped (and its whole body held) once (issue 5).
    """
    newest = tuple(entries[: config.feed_size])
    items = tuple(_shared_item(config, entry, bodies, made) for entry in newest)
    updated = max((last_changed(e) for e in newest), default=EPOCH)
    return Feed(
        title=xml_safe(title),
        subtitle=xml_safe(subtitle),
        language=xml_safe(config.language),
        site_url=config.absolute_url(config.base_path),
        page_url=config.absolute_url(root),
        atom_url=config.absolute_url(root + ATOM_FILE),
        rss_url=config.absolute_url(root + RSS_FILE),
        updated=rfc3339(updated, config),
        updated_rfc822=rfc822(updated, config),
        items=items,
    )


def _shared_item(config: SiteConfig, entry: Entry, bodies: Mapping[str, str], made: dict[str, FeedItem] | None) -> FeedItem:
    if made is None:
        return _feed_item(config, entry, bodies[entry.path])
    if entry.path not in made:
        made[entry.path] = _feed_item(config, entry, bodies[entry.path])
    return made[entry.path]


def _feed_item(config: SiteConfig, entry: Entry, body: str) -> FeedItem:
    url = config.absolute_url(entry.url)
    html = absolute_html(responsive_body(body, entry.pictures, False, lambda u: absolute(config, u)), config)
    # A body as the build holds it is already XML-safe, unless links in it were made absolute.
    content = str(html) if html is body and type(body) is XmlSafeMarkup else xml_safe(html)
    if entry.image is not None:
        content = xml_safe(feed_figure(config, entry.image)) + content
    if entry.original_url:
        # SPEC section 9: syndication partners must be able to link the original.
        link = _attr(entry.original_url)
        label = _attr(theme_text(config.strings, config.language, "original_url"))
        content += xml_safe(f'\n<p class="original-url">{label} <a href="{link}">{link}</a></p>')
    return FeedItem(
        id=url,
        title=xml_safe(entry.title),
        url=url,
        published=rfc3339(entry.date, config),
        updated=rfc3339(last_changed(entry), config),
        published_rfc822=rfc822(entry.date, config),
        authors=tuple(xml_safe(a) for a in (entry.authors or ((entry.source,) if entry.source else ()))),
        categories=tuple(xml_safe(t.name) for t in entry.topics),
        summary=xml_safe(entry.summary),
        content=content,
        author_links=tuple((xml_safe(link.name), absolute(config, link.url))
                           for link in (entry.author_links or ((entry.source_link,) if entry.source_link else ()))),
        source=None if entry.source_link is None else (
            xml_safe(entry.source_link.name), absolute(config, entry.source_link.url),
            absolute(config, entry.source_link.url + RSS_FILE)),
    )


def feed_figure(config: SiteConfig, image: ImageView) -> str:
    """Return the hero as the article page shows it, with absolute URLs: the picture, then a
    ``<figcaption>`` with the caption and credit (SPEC section 9: partners must print the credit)."""
    markup = picture_markup(image.picture, image.url, image.alt, HERO_SIZES, url=lambda u: absolute(config, u))
    caption = ""
    if image.caption or image.credit:
        parts = ([f'<span class="caption">{_attr(image.caption)}</span>'] if image.caption else []) + \
                ([f'<span class="credit">{_attr(_credit(config, image.credit))}</span>'] if image.credit else [])
        caption = f"<figcaption>{' '.join(parts)}</figcaption>"
    return f"<figure>{markup}{caption}</figure>\n"


def _credit(config: SiteConfig, credit: str) -> str:
    # The same words as the page's credit line, in the site's language (SPEC section 14).
    return theme_text(config.strings, config.language, "picture_credit", credit=credit)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def sitemap_files(urls: Sequence[SitemapUrl], index_url: str, limit: int = SITEMAP_LIMIT) -> tuple[SitemapFile, ...]:
    """Return ``sitemap.xml`` alone, or, past ``limit`` URLs, an index plus ``sitemap-N.xml`` children.

    ``index_url`` is the absolute URL of the folder the files live in.
    """
    if len(urls) <= limit:
        return (SitemapFile(SITEMAP_FILE, False, tuple(urls)),)
    children = [SitemapFile(f"sitemap-{n}.xml", False, tuple(urls[start:start + limit]))
                for n, start in enumerate(range(0, len(urls), limit), start=1)]
    listed = tuple(SitemapUrl(index_url + child.path, _newest(child.urls)) for child in children)
    return (SitemapFile(SITEMAP_FILE, True, listed), *children)


def _newest(urls: Iterable[SitemapUrl]) -> str | None:
    # W3C datetimes of one site share a zone, so comparing the parsed values is exact.
    stamps = [u.lastmod for u in urls if u.lastmod]
    return max(stamps, key=dt.datetime.fromisoformat) if stamps else None


def news_language(language: str) -> str:
    """Return Google News' language code: ISO 639 (``en-AU`` -> ``en``), but ``zh-cn`` / ``zh-tw``."""
    parts = language.replace("_", "-").lower().split("-")
    if parts[0] == "zh":
        traditional = {"hant", "tw", "hk", "mo"} & set(parts[1:])
        return "zh-tw" if traditional else "zh-cn"
    return parts[0]


def news_articles(articles: Sequence[Article], urls: Mapping[str, str]) -> list[str]:
    """Return the source paths the Google News sitemap lists: articles dated within two days of the
    newest (SPEC section 8), newest first; ``urls`` holds each article's URL by source path."""
    if not articles:
        return []
    cutoff = max(a.date for a in articles) - NEWS_WINDOW
    recent = sorted((a for a in articles if a.date >= cutoff), key=lambda a: (-a.date.timestamp(), urls[a.path]))
    return [a.path for a in recent[:NEWS_LIMIT]]


def news_sitemap_of(config: SiteConfig, entries: Sequence[Entry]) -> NewsSitemap:
    """Return the Google News sitemap listing ``entries`` (``news_articles``' choice), in order."""
    recent = [NewsItem(config.absolute_url(e.url), xml_safe(e.title), e.date_iso) for e in entries]
    return NewsSitemap(xml_safe(config.title), news_language(config.language), tuple(recent))
