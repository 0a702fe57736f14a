"""Feed and sitemap data shaping (generator/feeds.py): pure functions, no build."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import pytest
from markupsafe import Markup

from generator.content.config import SiteConfig
from generator.model.catalogue import Entry, ImageView, TopicLink
from generator.model.feeds import (
    ATOM_TYPE,
    RSS_TYPE,
    SitemapUrl,
    XmlSafeMarkup,
    absolute_html,
    build_feed,
    feed_links,
    news_language,
    news_articles,
    news_sitemap_of,
    rfc822,
    rfc3339,
    sitemap_files,
    xml_safe,
    xml_safe_html,
)

CONFIG = SiteConfig(title="Briefings", base_url="https://example.org/news/", timezone="Australia/Sydney",
                    language="en-AU", feed_size=3)
SYDNEY = dt.timezone(dt.timedelta(hours=11))


def entry(slug: str, when: dt.datetime, updated: dt.datetime | None = None, **fields: object) -> Entry:
    values: dict[str, object] = dict(
        path=f"content/{slug}.md", title=f"Title {slug}", url=f"/news/{slug}/", output=f"{slug}/index.html",
        date=when, date_iso=when.isoformat(), date_display="", updated=updated,
        updated_iso=None if updated is None else updated.isoformat(), updated_display=None, standfirst=None,
        summary=f"Summary {slug}", authors=(), source=None, image=None, topics=(), original_url=None,
        aliases=(), extra=MappingProxyType({}),
    )
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def test_xml_safe_drops_only_characters_xml_cannot_hold() -> None:
    assert xml_safe("a\x00b\x01c\x08\x0b\x0c\x1f\ufffe\uffffd") == "abcd"
    assert xml_safe("tab\tnew\nline\rok & <b> ]]> \u2028 é") == "tab\tnew\nline\rok & <b> ]]> \u2028 é"


@pytest.mark.parametrize("text", [
    "<p>plain</p>\n", "<p>“curly” — dashes … é</p>\n", "<p>Привет, слово ¾ ¿</p>\n",  # 0xBE/0xBF in letters
    "<p>bell\x07 vt\x0b ff\x0c nul\x00 esc\x1b</p>\n", "<p>\ufffe and \uffff</p>", "tab\tcr\rlf\n", "",
])
def test_xml_safe_html_is_xml_safe_on_the_text(text: str) -> None:
    html = xml_safe_html(text.encode("utf-8"))
    assert html == xml_safe(text) and type(html) is XmlSafeMarkup


def test_what_is_made_from_xml_safe_html_is_plain_markup() -> None:
    html = xml_safe_html(b"<p>ok</p>")
    for derived in (html + "\x01", html.replace("ok", "\x01"), html.join(["a", "\x01"]), html.center(20, "\x02"),
                    html * 2, XmlSafeMarkup("\x03")):
        assert type(derived) is Markup


def test_dates_in_the_formats_feeds_require() -> None:
    moment = dt.datetime(2022, 1, 9, 7, 30, tzinfo=dt.timezone.utc)
    assert rfc3339(moment, CONFIG) == "2022-01-09T18:30:00+11:00"
    assert rfc822(moment, CONFIG) == "Sun, 09 Jan 2022 18:30:00 +1100"


@pytest.mark.parametrize("language, expected", [
    ("en-AU", "en"), ("en", "en"), ("fr_CA", "fr"), ("zh-Hans-CN", "zh-cn"), ("zh-TW", "zh-tw"),
    ("zh-Hant", "zh-tw"), ("zh", "zh-cn"), ("PT-br", "pt"),
])
def test_google_news_language(language: str, expected: str) -> None:
    assert news_language(language) == expected


def test_feed_links_name_atom_and_rss_under_the_root() -> None:
    links = feed_links(CONFIG, "/news/topics/x/", "Briefings: X")
    assert [(link.type, link.url) for link in links] == [
        (ATOM_TYPE, "/news/topics/x/feed.xml"), (RSS_TYPE, "/news/topics/x/rss.xml")]


def test_links_in_content_become_absolute() -> None:
    html = '<p><a href="/news/a/">a</a> <img src="/news/m.svg" alt=""> <a href="//cdn.example/x">x</a> <a href="#f">f</a></p>'
    assert absolute_html(html, CONFIG) == (
        '<p><a href="https://example.org/news/a/">a</a> <img src="https://example.org/news/m.svg" alt=""> '
        '<a href="//cdn.example/x">x</a> <a href="#f">f</a></p>')


def test_feed_keeps_the_newest_feed_size_entries_and_dates_itself_by_them() -> None:
    days = [dt.datetime(2022, 1, d, 9, tzinfo=SYDNEY) for d in (5, 4, 3, 2, 1)]
    entries = [entry(f"a{i}", day) for i, day in enumerate(days)]
    entries[1] = entry("a1", days[1], updated=dt.datetime(2022, 1, 6, 12, tzinfo=SYDNEY))
    bodies = {e.path: f'<p>Body <img src="/news/{e.path}.svg" alt="">\x01</p>' for e in entries}
    feed = build_feed(CONFIG, "Briefings", "", "/news/", entries, bodies)
    assert [item.title for item in feed.items] == ["Title a0", "Title a1", "Title a2"]
    assert feed.updated == "2022-01-06T12:00:00+11:00"  # the newest change, not the build time
    assert feed.updated_rfc822 == "Thu, 06 Jan 2022 12:00:00 +1100"
    first = feed.items[0]
    assert first.id == first.url == "https://example.org/news/a0/"
    assert 'src="https://example.org/news/content/a0.md.svg"' in first.content and "\x01" not in first.content
    assert (feed.atom_url, feed.rss_url) == ("https://example.org/news/feed.xml", "https://example.org/news/rss.xml")


def test_feed_item_carries_authors_topics_and_the_hero_image() -> None:
    image = ImageView("/news/hero.jpg", 'A "hero" <image>', None, None)
    item = build_feed(CONFIG, "B", "", "/news/", [entry(
        "a", dt.datetime(2022, 1, 5, tzinfo=SYDNEY), authors=("Jane Doe", "John Roe"), image=image,
        topics=(TopicLink("Kazakhstan", "/news/topics/kazakhstan/"),))], {"content/a.md": "<p>x</p>"}).items[0]
    assert item.authors == ("Jane Doe", "John Roe")
    assert item.categories == ("Kazakhstan",)
    assert item.content.startswith(
        '<figure><img src="https://example.org/news/hero.jpg" alt="A &#34;hero&#34; &lt;image&gt;" '
        'decoding="async" loading="lazy"></figure>')


def test_feed_item_figure_has_caption_credit_and_ends_with_the_original_url() -> None:
    image = ImageView("/news/hero.jpg", "Hero", "Trucks & planes", "Agency <AFP>")
    item = build_feed(CONFIG, "B", "", "/news/", [entry(
        "a", dt.datetime(2022, 1, 5, tzinfo=SYDNEY), image=image, original_url="https://example.com/a?b=1&c=2")],
        {"content/a.md": "<p>x</p>"}).items[0]
    assert ('<figcaption><span class="caption">Trucks &amp; planes</span> '
            '<span class="credit">Picture: Agency &lt;AFP&gt;</span></figcaption></figure>') in item.content
    assert item.content.endswith('<p class="original-url">Original URL: <a href="https://example.com/a?b=1&amp;c=2">'
                                 'https://example.com/a?b=1&amp;c=2</a></p>')


def test_an_empty_site_still_gets_a_dated_feed() -> None:
    feed = build_feed(CONFIG, "B", "", "/news/", [], {})
    assert feed.items == () and feed.updated.startswith("1970-01-01")


def test_sitemap_stays_one_file_up_to_the_limit() -> None:
    urls = [SitemapUrl(f"https://example.org/news/{n}/", None) for n in range(5)]
    (only,) = sitemap_files(urls, "https://example.org/news/", limit=5)
    assert (only.path, only.index, only.urls) == ("sitemap.xml", False, tuple(urls))


def test_sitemap_past_the_limit_becomes_an_index_of_children() -> None:
    urls = [SitemapUrl(f"https://example.org/news/{n}/", f"2022-01-0{n + 1}T00:00:00+11:00") for n in range(5)]
    index, *children = sitemap_files(urls, "https://example.org/news/", limit=2)
    assert index.path == "sitemap.xml" and index.index
    assert [c.path for c in children] == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    assert [len(c.urls) for c in children] == [2, 2, 1]
    assert [u for c in children for u in c.urls] == urls  # every URL exactly once, in order
    assert [u.loc for u in index.urls] == [f"https://example.org/news/sitemap-{n}.xml" for n in (1, 2, 3)]
    assert [u.lastmod for u in index.urls] == [
        "2022-01-02T00:00:00+11:00", "2022-01-04T00:00:00+11:00", "2022-01-05T00:00:00+11:00"]


def test_news_sitemap_holds_two_days_back_from_the_newest_article() -> None:
    newest = dt.datetime(2024, 2, 12, 9, tzinfo=SYDNEY)
    entries = [entry("new", newest), entry("edge", newest - dt.timedelta(days=2)),
               entry("old", newest - dt.timedelta(days=2, seconds=1)), entry("older", newest - dt.timedelta(days=30))]
    # The plan picks the articles by their dates (the site's structure); their titles print when it renders.
    chosen = news_articles(entries, {e.path: e.url for e in entries})
    assert chosen == ["content/new.md", "content/edge.md"]
    news = news_sitemap_of(CONFIG, [e for e in entries if e.path in chosen])
    assert [item.loc for item in news.items] == ["https://example.org/news/new/", "https://example.org/news/edge/"]
    assert [item.title for item in news.items] == ["Title new", "Title edge"]
    assert (news.publication, news.language) == ("Briefings", "en")
    assert news_articles([], {}) == [] and news_sitemap_of(CONFIG, []).items == ()
