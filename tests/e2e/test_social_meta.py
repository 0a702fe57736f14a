"""Open Graph, Twitter cards and JSON-LD in built pages, and hostile text escaped wherever it lands."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from tests.e2e.helpers import PHOTO, build, front, in_head, page
from tests.htmltree import Element

ROOT = "https://example.org/briefings/"
SITE_YAML = f"title: Test Briefings\nbase_url: {ROOT}\nlanguage: en-AU\ntimezone: Australia/Sydney\n"
HOSTILE = "</script><script>alert(1)</script> ]]> & <b>bold</b>\u0001 end"
# U+0001 may stand in no HTML or XML page, so it goes as the front matter is read: pages, feeds
# and JSON-LD hold the title without it.
PRINTED = HOSTILE.replace("\u0001", "")
PICTURED = front({
    "date": "2022-01-09T18:30:00+11:00", "updated": "2022-01-10T08:00:00+11:00", "title": "Troops arrive",
    "standfirst": "Moscow moves.", "topics": ["Kazakhstan", "CSTO"], "author": ["Jane Doe", "John Roe"],
    "image": {"src": "troops.jpg", "alt": "Trucks leaving a plane"},
})


def meta(doc: Element) -> dict[str, list[str]]:
    """Return the head's meta tags by property or name, in order."""
    found: dict[str, list[str]] = {}
    for tag in in_head(doc, "meta"):
        key = tag.get("property") or tag.get("name")
        if key:
            found.setdefault(key, []).append(tag.get("content") or "")
    return found


def json_ld(doc: Element) -> dict[str, object]:
    (script,) = doc.find_all("script", type="application/ld+json")
    return json.loads(script.raw_text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("social")
    files = {
        "content/pictured.md": PICTURED,
        "content/troops.jpg": PHOTO,
        "content/plain.md": front({"date": "2022-01-08", "title": "Plain story", "source": "The Wire"},
                                  "First paragraph is the description.\n"),
        # YAML cannot hold U+0001 raw, so it is written as an escape, as an author would have to.
        "content/hostile.md": '---\ndate: 2022-01-09\ntitle: "' + HOSTILE.replace("\u0001", "\\u0001")
                              + '"\ntopics: ["A & B"]\n---\nBody.\n',
    }
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    assert build(root, "--no-search") == 0
    return root / "public"


def test_article_open_graph_and_twitter_card(built: Path) -> None:
    tags = meta(page(built, "/2022/01/pictured/"))
    url = ROOT + "2022/01/pictured/"
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == ["Troops arrive"] and tags["twitter:title"] == ["Troops arrive"]
    assert tags["og:url"] == [url]
    assert tags["og:site_name"] == ["Test Briefings"]
    assert tags["og:locale"] == ["en_AU"]
    assert tags["og:description"] == ["Moscow moves."] == tags["description"]
    assert tags["article:published_time"] == ["2022-01-09T18:30:00+11:00"]
    assert tags["article:modified_time"] == ["2022-01-10T08:00:00+11:00"]
    assert tags["article:tag"] == ["Kazakhstan", "CSTO"]
    # The 1200 x 630 crop of the hero (SPEC section 9), with its size.
    assert tags["og:image"] == tags["twitter:image"] and tags["og:image"][0].startswith(ROOT + "troops.")
    assert tags["og:image"][0].endswith("-1200x630.jpg") and (built / tags["og:image"][0][len(ROOT):]).is_file()
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["og:image:alt"] == ["Trucks leaving a plane"]
    assert tags["twitter:card"] == ["summary_large_image"]


def test_article_without_image_gets_a_summary_card(built: Path) -> None:
    tags = meta(page(built, "/2022/01/plain/"))
    assert tags["twitter:card"] == ["summary"]
    assert "og:image" not in tags
    assert tags["description"] == ["First paragraph is the description."]
    assert tags["article:modified_time"] == ["2022-01-08"]


@pytest.mark.parametrize("url", ["/", "/topics/", "/topics/kazakhstan/", "/404.html"])
def test_other_pages_are_websites(built: Path, url: str) -> None:
    doc = page(built, url)
    tags = meta(doc)
    assert tags["og:type"] == ["website"]
    assert tags["twitter:card"] == ["summary"]
    assert tags["og:url"] == [link.get("href") for link in in_head(doc, "link", rel="canonical")]
    assert tags["og:url"][0].startswith(ROOT)
    assert doc.find_all("script", type="application/ld+json") == []


def test_news_article_json_ld(built: Path) -> None:
    data = json_ld(page(built, "/2022/01/pictured/"))
    url = ROOT + "2022/01/pictured/"
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Troops arrive"
    assert data["description"] == "Moscow moves."
    assert (data["datePublished"], data["dateModified"]) == ("2022-01-09T18:30:00+11:00", "2022-01-10T08:00:00+11:00")
    assert data["author"] == [{"@type": "Person", "name": "Jane Doe", "url": ROOT + "authors/jane-doe/"},
                              {"@type": "Person", "name": "John Roe", "url": ROOT + "authors/john-roe/"}]
    assert data["publisher"] == {"@type": "Organization", "name": "Test Briefings", "url": ROOT,
                                 "logo": {"@type": "ImageObject", "url": ROOT + "logo.png"}}
    # The widest derivative in the original's format, and the social crop; never the camera's original.
    assert [url.rsplit("-", 1)[1] for url in data["image"]] == ["1600w.jpg", "1200x630.jpg"]
    assert all(url.startswith(ROOT + "troops.") for url in data["image"])
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["articleSection"] == "Kazakhstan" and data["keywords"] == ["Kazakhstan", "CSTO"]
    assert (built / "logo.png").read_bytes().startswith(b"\x89PNG")


def test_a_source_without_author_is_the_author_organization(built: Path) -> None:
    assert json_ld(page(built, "/2022/01/plain/"))["author"] == {"@type": "Organization", "name": "The Wire",
                                                                 "url": ROOT + "sources/the-wire/"}


def test_hostile_title_is_escaped_in_html(built: Path) -> None:
    doc = page(built, "/2022/01/hostile/")
    assert doc.one("h1").text == PRINTED
    assert doc.one("title").text.startswith(PRINTED)
    assert meta(doc)["og:title"] == [PRINTED]
    assert "\u0001" not in (built / "2022/01/hostile/index.html").read_text(encoding="utf-8")
    assert all(s.get("type") == "application/ld+json" or s.get("src") for s in doc.find_all("script"))
    assert doc.find("b") is None
    home = page(built, "/")
    assert PRINTED in [a.text for a in home.find_all("a")]


def test_hostile_title_survives_json_ld_exactly(built: Path) -> None:
    doc = page(built, "/2022/01/hostile/")
    (script,) = doc.find_all("script", type="application/ld+json")
    assert "</" not in script.raw_text and "]]>" not in script.raw_text
    assert json_ld(doc)["headline"] == PRINTED  # the headline the page shows


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml", "topics/a-and-b/feed.xml", "topics/a-and-b/rss.xml"])
def test_hostile_title_keeps_feeds_well_formed(built: Path, name: str) -> None:
    feed = feedparser.parse((built / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert PRINTED in titles


def test_hostile_title_keeps_sitemaps_well_formed(built: Path) -> None:
    import xml.etree.ElementTree as ET

    news = ET.parse(built / "news-sitemap.xml").getroot()
    titles = [el.text for el in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert titles == ["Troops arrive", PRINTED, "Plain story"]


def test_logo_can_be_set_in_site_yaml(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "T"})},
                     f"title: T\nbase_url: {ROOT}\nlogo: /images/mark.png\n")
    assert build(site, "--no-search") == 0
    assert json_ld(page(site / "public", "/2022/01/a/"))["publisher"]["logo"]["url"] == ROOT + "images/mark.png"


def test_alias_over_a_page_is_an_error_naming_both_files(make_site, capsys) -> None:
    site = make_site({
        "content/new.md": front({"date": "2022-01-09", "title": "New"}),
        "content/old.md": front({"date": "2022-01-08", "title": "Old", "aliases": ["/2022/01/new/"]}),
    })
    assert build(site, "--no-search") == 1
    err = capsys.readouterr().err
    assert "content/old.md:4:" in err and "content/new.md" in err and "/2022/01/new/" in err
    assert not (site / "public").exists()


def test_two_articles_claiming_one_alias_is_an_error_naming_both(make_site, capsys) -> None:
    site = make_site({
        "content/a.md": front({"date": "2022-01-09", "title": "A", "aliases": ["/old/"]}),
        "content/b.md": front({"date": "2022-01-08", "title": "B", "aliases": ["/old/"]}),
    })
    assert build(site, "--no-search") == 1
    err = capsys.readouterr().err
    assert "alias /old/" in err and "content/a.md" in err and "content/b.md" in err


def test_alias_over_a_feed_is_an_error_naming_the_file(make_site, capsys) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "aliases": ["/feed.xml"]})})
    assert build(site, "--no-search") == 1
    err = capsys.readouterr().err
    assert "feed.xml" in err and "content/a.md" in err and "site.yaml" in err
