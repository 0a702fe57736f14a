"""Feeds, sitemaps and robots.txt of a built site, read back with a real feed parser and XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from tests.e2e.helpers import build, front, in_head, page

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
ROOT = "https://example.org/briefings/"
SITE_YAML = f"""\
title: Test Briefings
base_url: {ROOT}
language: en-AU
timezone: Australia/Sydney
description: Short & sharp.
feed_size: 3
per_page: 2
"""
# Newest first: (file, date, topics).
ARTICLES = [
    ("e", "2024-02-12T09:00:00+11:00", ["Kazakhstan", "Côte d'Ivoire"]),
    ("d", "2024-02-10T10:00:00+11:00", ["Kazakhstan"]),
    ("c", "2024-02-09T10:00:00+11:00", ["Kazakhstan"]),
    ("b", "2023-05-01", ["Kazakhstan", "Banking"]),
    ("a", "2022-01-09T18:30:00+11:00", ["Banking"]),
]


def article_url(name: str, date: str) -> str:
    return f"{ROOT}{date[:4]}/{date[5:7]}/{name}/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("syndication")
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for name, date, topics in ARTICLES:
        path = root / "content" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = f"Body of {name} with [a link](/briefings/topics/banking/) & more.\n\n![map](map.svg)\n"
        path.write_text(front({"date": date, "title": f"Story {name}", "topics": topics, "author": f"Writer {name}",
                               "standfirst": f"Standfirst {name}."}, body), encoding="utf-8")
    (root / "content" / "map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    assert build(root, "--no-search") == 0
    return root / "public"


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    assert path.is_file(), path
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("name, version", [("feed.xml", "atom10"), ("rss.xml", "rss20")])
def test_site_feeds_hold_the_newest_feed_size_articles(built: Path, name: str, version: str) -> None:
    feed = parse_feed(built / name)
    assert feed.version == version
    assert feed.feed.title == "Test Briefings"
    assert [e.title for e in feed.entries] == ["Story e", "Story d", "Story c"]
    assert [e.link for e in feed.entries] == [article_url(n, d) for n, d, _ in ARTICLES[:3]]
    first = feed.entries[0]
    assert first.id == article_url("e", ARTICLES[0][1])
    assert first.author == "Writer e"
    assert [t.term for t in first.tags] == ["Kazakhstan", "Côte d'Ivoire"]
    assert first.published_parsed[:5] == (2024, 2, 11, 22, 0)  # UTC
    content = first.content[0].value
    assert "Body of e" in content
    assert f'href="{ROOT}topics/banking/"' in content
    assert 'src="https://example.org/briefings/map.svg"' in content  # images beside articles, made absolute
    links = {link.get("rel"): link.href for link in feed.feed.links}
    assert links["self"] == ROOT + name


def test_atom_feed_is_dated_by_its_newest_entry(built: Path) -> None:
    feed = parse_feed(built / "feed.xml")
    assert feed.feed.updated == "2024-02-12T09:00:00+11:00"
    assert parse_feed(built / "rss.xml").feed.updated_parsed[:4] == (2024, 2, 11, 22)


@pytest.mark.parametrize("slug, expected", [
    ("kazakhstan", ["Story e", "Story d", "Story c"]),
    ("banking", ["Story b", "Story a"]),
    ("cote-divoire", ["Story e"]),
])
def test_every_topic_has_its_own_feeds(built: Path, slug: str, expected: list[str]) -> None:
    for name in ("feed.xml", "rss.xml"):
        feed = parse_feed(built / "topics" / slug / name)
        assert [e.title for e in feed.entries] == expected
        assert all(e.link.startswith(ROOT) for e in feed.entries)


@pytest.mark.parametrize("url, feeds", [
    ("/", ["/briefings/feed.xml", "/briefings/rss.xml"]),
    ("/page/2/", ["/briefings/feed.xml", "/briefings/rss.xml"]),
    ("/topics/banking/", ["/briefings/topics/banking/feed.xml", "/briefings/topics/banking/rss.xml"]),
])
def test_pages_advertise_their_feeds(built: Path, url: str, feeds: list[str]) -> None:
    links = in_head(page(built, url), "link", rel="alternate")
    assert [link.get("href") for link in links] == feeds
    assert [link.get("type") for link in links] == ["application/atom+xml", "application/rss+xml"]
    assert all(link.get("title") for link in links)


def sitemap_locs(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    for url in root:
        assert url.tag == f"{{{SITEMAP_NS}}}url"
        lastmod = url.find(f"{{{SITEMAP_NS}}}lastmod")
        assert lastmod is not None and lastmod.text and lastmod.text[:4].isdigit()
    return [el.text or "" for el in root.iter(f"{{{SITEMAP_NS}}}loc")]


def test_sitemap_lists_every_page_exactly_once(built: Path) -> None:
    locs = sitemap_locs(built / "sitemap.xml")
    assert len(locs) == len(set(locs))
    expected = {article_url(n, d) for n, d, _ in ARTICLES} | {
        ROOT, ROOT + "page/2/", ROOT + "page/3/", ROOT + "topics/",
        ROOT + "topics/kazakhstan/", ROOT + "topics/kazakhstan/page/2/", ROOT + "topics/banking/",
        ROOT + "topics/cote-divoire/"}
    # Authors, their index, the date archives (SPEC section 10); no source pages: none has a source.
    expected |= {ROOT + f"authors/writer-{name}/" for name, _d, _t in ARTICLES} | {
        ROOT + "authors/", ROOT + "sources/", ROOT + "archive/", ROOT + "2024/", ROOT + "2024/page/2/",
        ROOT + "2024/02/", ROOT + "2024/02/page/2/", ROOT + "2023/", ROOT + "2023/05/", ROOT + "2022/", ROOT + "2022/01/"}
    assert set(locs) == expected  # no 404, alias, redirect or search pages


def test_news_sitemap_lists_the_last_two_days(built: Path) -> None:
    root = ET.parse(built / "news-sitemap.xml").getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = root.findall(f"{{{SITEMAP_NS}}}url")
    assert [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in urls] == [article_url(n, d) for n, d, _ in ARTICLES[:2]]
    news = urls[0].find(f"{{{NEWS_NS}}}news")
    assert news is not None
    assert news.findtext(f"{{{NEWS_NS}}}publication/{{{NEWS_NS}}}name") == "Test Briefings"
    assert news.findtext(f"{{{NEWS_NS}}}publication/{{{NEWS_NS}}}language") == "en"
    assert news.findtext(f"{{{NEWS_NS}}}publication_date") == "2024-02-12T09:00:00+11:00"
    assert news.findtext(f"{{{NEWS_NS}}}title") == "Story e"


def test_robots_txt_names_both_sitemaps(built: Path) -> None:
    lines = (built / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        f"Sitemap: {ROOT}sitemap.xml", f"Sitemap: {ROOT}news-sitemap.xml"]


def test_big_sites_get_a_sitemap_index(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.model.syndication as syndication

    # 50,000 URLs would make a slow test; the limit is a default argument, so lower it.
    monkeypatch.setattr(syndication.index_pages, "__defaults__", (3,))
    site = make_site({f"content/{n}.md": front({"date": f"2022-01-0{n}", "title": f"T{n}"}) for n in range(1, 5)},
                     f"title: T\nbase_url: {ROOT}\n")
    assert build(site, "--no-search") == 0
    out = site / "public"
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    children = [el.text or "" for el in index.iter(f"{{{SITEMAP_NS}}}loc")]
    assert children == [f"{ROOT}sitemap-{n}.xml" for n in range(1, len(children) + 1)]
    locs = [loc for child in children for loc in sitemap_locs(out / child.removeprefix(ROOT))]
    assert len(locs) == len(set(locs)) and {article_url(f"{n}", f"2022-01-0{n}") for n in range(1, 5)} <= set(locs)


def test_feeds_are_the_same_bytes_on_every_build(built: Path, tmp_path: Path) -> None:
    site = built.parent
    assert build(site, "--no-search", "--output", str(tmp_path / "again")) == 0
    for name in ("feed.xml", "rss.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt", "topics/banking/feed.xml"):
        assert (tmp_path / "again" / name).read_bytes() == (built / name).read_bytes(), name


@pytest.mark.parametrize("name, content_tag", [
    ("feed.xml", "{http://www.w3.org/2005/Atom}content"),
    ("rss.xml", "{http://purl.org/rss/1.0/modules/content/}encoded"),
])
def test_the_hero_image_is_html_in_the_content_like_the_body(make_site, name: str, content_tag: str) -> None:
    # The feed carries the article's HTML as text, escaped once: the figure as much as the body.
    site = make_site({"content/a.md": front({
        "date": "2024-02-12", "title": "Hero",
        "image": {"src": "https://img.example.com/a.jpg", "alt": "Tom & \"Jerry\" <3"},
    }, "Body *text*.\n")}, "title: T\nbase_url: https://example.org/\n")
    assert build(site, "--no-search") == 0
    content = ET.parse(site / "public" / name).getroot().iter(content_tag).__next__().text or ""
    assert content.startswith('<figure><img src="https://img.example.com/a.jpg" alt="Tom &amp; &#34;Jerry&#34; &lt;3" '
                              'decoding="async" loading="lazy"></figure>\n<p>Body <em>text</em>.</p>'), content[:200]
