"""Author, source and archive pages, bylines that link, corrections and updates (SPEC sections 10 and 11).

A small site under a subpath is built with the CLI; pages are read back with the HTML parser,
feeds with feedparser, JSON-LD with json.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from PIL import Image

from tests.e2e.helpers import build, output_file, page, position
from tests.htmltree import Element

SITE_YAML = """\
title: Desk
base_url: https://example.org/news/
timezone: Australia/Sydney
language: en-AU  # dates as "5 February 2022"
per_page: 2
authors:
  Jane Doe:
    bio: Jane covers **energy**.
    image: /people/jane.jpg
    url: https://jane.example/
    links: [https://social.example/@jane]
"""


def story(n: int, date: str, author: str, source: str, extra: str = "") -> str:
    return (f"---\ntitle: Story {n}\ndate: {date}\nauthor: {author}\nsource: {source}\ntopics: [Energy]\n{extra}"
            f"---\n\nBody of story {n}.\n")


FILES = {
    "content/s1.md": story(1, "2022-01-03T10:00:00", "Jane Doe", "The Wire"),
    "content/s2.md": story(2, "2022-01-20T10:00:00", "Jane Doe", "The Wire"),
    "content/s3.md": story(3, "2022-02-02T10:00:00", "[Jane Doe, Bob Roe]", "Daily Post", (
        "updated: 2022-02-03T09:00:00\n"
        "corrections:\n  - date: 2022-02-05T08:00:00\n    text: An earlier version misnamed the *minister*.\n"
        "updates:\n  - date: 2022-02-04T12:00:00\n    text: Police have made an arrest.\n")),
    "content/s4.md": story(4, "2021-12-30T10:00:00", "Zoë Smith", "The Wire"),
    "content/s5.md": story(5, "2022-02-10T10:00:00", "Zoe Smith", "The Wire"),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("newsroom") / "site"
    for rel, text in {"site.yaml": SITE_YAML, **FILES}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "content/people").mkdir()
    Image.new("RGB", (640, 480), (150, 30, 30)).save(root / "content/people/jane.jpg", quality=80)
    assert build(root, "--no-search") == 0
    return root / "public"


def links(el: Element) -> dict[str, str]:
    return {a.text.strip(): a.get("href") or "" for a in el.find_all("a")}


def card_titles(doc: Element) -> list[str]:
    return [h.text.strip() for h in doc.find_all("h2", **{"class": "card-title"})]


def test_author_page_lists_their_briefings_newest_first_with_the_profile_and_pages(out: Path) -> None:
    doc = page(out, "/authors/jane-doe/")
    assert doc.one("h1").text.strip() == "Jane Doe"
    main = doc.one("main")
    assert "Jane covers" in main.one("div", **{"class": "profile-bio"}).text
    assert main.one("div", **{"class": "profile-bio"}).find("strong").text == "energy"
    # The profile's picture goes through the picture pipeline (SPEC section 9): derivatives, size,
    # and the page's first picture fetched first, the cards' lazily.
    img = main.one("img", **{"class": "profile-image"})
    assert (img.get("width"), img.get("height"), img.get("fetchpriority"), img.get("sizes")) == ("640", "480", "high", "5rem")
    assert "/news/people/jane." in (img.get("srcset") or "") and "480w" in (img.get("srcset") or "")
    assert (out / "people/jane.jpg").is_file()
    assert all(other.get("loading") == "lazy" for other in main.find_all("img") if other is not img)
    assert {"https://jane.example/", "https://social.example/@jane"} <= set(links(main).values())
    assert "3 briefings" in main.one("p", **{"class": "page-meta"}).text
    assert card_titles(doc) == ["Story 3", "Story 2"]
    assert doc.one("link", rel="next").get("href") == "/news/authors/jane-doe/page/2/"
    assert card_titles(page(out, "/authors/jane-doe/page/2/")) == ["Story 1"]
    feeds = {link.get("type"): link.get("href") for link in doc.find_all("link", rel="alternate")}
    assert feeds == {"application/atom+xml": "/news/authors/jane-doe/feed.xml",
                     "application/rss+xml": "/news/authors/jane-doe/rss.xml"}


def test_source_page_and_the_index_pages_with_counts(out: Path) -> None:
    wire = page(out, "/sources/the-wire/")
    assert wire.one("h1").text.strip() == "The Wire" and card_titles(wire) == ["Story 5", "Story 2"]
    assert card_titles(page(out, "/sources/the-wire/page/2/")) == ["Story 1", "Story 4"]
    authors = page(out, "/authors/").one("main")
    items = {li.one("a").text.strip(): li.one("span").text.strip() for li in authors.find_all("li")}
    assert items == {"Bob Roe": "1 briefing", "Jane Doe": "3 briefings", "Zoë Smith": "1 briefing",
                     "Zoe Smith": "1 briefing"}
    sources = page(out, "/sources/").one("main")
    assert {li.one("a").text.strip(): li.one("a").get("href") for li in sources.find_all("li")} == {
        "Daily Post": "/news/sources/daily-post/", "The Wire": "/news/sources/the-wire/"}


def test_names_that_slug_alike_get_pages_of_their_own(out: Path) -> None:
    # Zoë Smith appeared first (2021): her page is zoe-smith, the later Zoe Smith's zoe-smith-2.
    assert page(out, "/authors/zoe-smith/").one("h1").text.strip() == "Zoë Smith"
    assert page(out, "/authors/zoe-smith-2/").one("h1").text.strip() == "Zoe Smith"


def test_bylines_and_sources_link_to_their_pages_on_articles_and_cards(out: Path) -> None:
    article = page(out, "/2022/02/s3/").one("p", **{"class": "byline"})
    assert links(article) == {"Daily Post": "/news/sources/daily-post/", "Jane Doe": "/news/authors/jane-doe/",
                              "Bob Roe": "/news/authors/bob-roe/"}
    assert [a.get("rel") for a in article.find_all("a", rel="author")] == ["author", "author"]
    card = page(out, "/").one("main").find_all("article")[1]  # Story 3, below Story 5
    assert links(card.one("p", **{"class": "card-meta"})) == links(article)


def test_feeds_of_an_author_and_a_source_parse_clean_and_link_bylines(out: Path) -> None:
    for path in ("authors/jane-doe/feed.xml", "authors/jane-doe/rss.xml", "sources/the-wire/feed.xml",
                 "sources/the-wire/rss.xml"):
        feed = feedparser.parse((out / path).read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
    atom = feedparser.parse((out / "authors/jane-doe/feed.xml").read_bytes())
    assert [e.title for e in atom.entries] == ["Story 3", "Story 2", "Story 1"]
    first = atom.entries[0]
    assert [(a.name, a.href) for a in first.authors] == [("Jane Doe", "https://example.org/news/authors/jane-doe/"),
                                                         ("Bob Roe", "https://example.org/news/authors/bob-roe/")]
    assert {(link.rel, link.href) for link in first.links} >= {("related", "https://example.org/news/sources/daily-post/")}
    rss = (out / "sources/the-wire/rss.xml").read_text(encoding="utf-8")
    assert '<source url="https://example.org/news/sources/the-wire/rss.xml">The Wire</source>' in rss


def test_correction_and_update_boxes_sit_above_the_body_dated(out: Path) -> None:
    doc = page(out, "/2022/02/s3/")
    body = doc.one("div", **{"class": "article-body"})
    boxes = doc.find_all("section", **{"class": "notice"}) or [
        s for s in doc.find_all("section") if "notice" in (s.get("class") or "")]
    assert [box.one("h2").text.strip() for box in boxes] == ["Correction", "Update"]
    assert all(position(doc, box) < position(doc, body) for box in boxes)
    correction = boxes[0].one("li")
    assert correction.one("time").get("datetime") == "2022-02-05T08:00:00+11:00"
    assert "5 February 2022" in correction.text and correction.one("em").text == "minister"
    assert doc.one("span", **{"class": "byline-updated"}).one("time").get("datetime") == "2022-02-05T08:00:00+11:00"


def test_json_ld_holds_people_and_correction_comments(out: Path) -> None:
    doc = page(out, "/2022/02/s3/")
    data = json.loads(doc.one("script", type="application/ld+json").raw_text)
    assert data["author"] == [
        {"@type": "Person", "name": "Jane Doe", "url": "https://example.org/news/authors/jane-doe/",
         "sameAs": ["https://jane.example/", "https://social.example/@jane"]},
        {"@type": "Person", "name": "Bob Roe", "url": "https://example.org/news/authors/bob-roe/"}]
    assert data["correction"] == [{"@type": "CorrectionComment", "datePublished": "2022-02-05T08:00:00+11:00",
                                   "text": "An earlier version misnamed the minister."}]
    assert data["dateModified"] == "2022-02-05T08:00:00+11:00"


def test_feeds_updated_is_the_latest_correction_or_update(out: Path) -> None:
    feed = feedparser.parse((out / "sources/daily-post/feed.xml").read_bytes())
    assert feed.feed.updated == "2022-02-05T08:00:00+11:00"
    assert feed.entries[0].updated == "2022-02-05T08:00:00+11:00"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/news/authors/jane-doe/</loc>" in sitemap
    assert "<loc>https://example.org/news/2022/02/</loc>" in sitemap


def test_date_archives_list_each_year_and_month_and_the_archive_counts_them(out: Path) -> None:
    assert card_titles(page(out, "/2022/01/")) == ["Story 2", "Story 1"]
    year = page(out, "/2022/")
    assert card_titles(year) == ["Story 5", "Story 3"] and card_titles(page(out, "/2022/page/2/")) == ["Story 2", "Story 1"]
    assert links(year.one("ul", **{"class": "chips archive-months"})) == {
        "February 2022 (2)": "/news/2022/02/", "January 2022 (2)": "/news/2022/01/"}
    archive = page(out, "/archive/").one("main")
    assert [h.text.split()[0] for h in archive.find_all("h2")] == ["2022", "2021"]
    assert "December 2021 (1)" in links(archive)
    # Every folder above an article page is a page: no trimmed URL 404s.
    for trimmed in ("/2022/", "/2022/02/", "/2021/12/", "/authors/jane-doe/page/", "/page/"):
        assert output_file(out, trimmed).is_file(), trimmed


def test_configured_permalinks_move_author_and_source_pages(make_site) -> None:
    site = make_site({"content/s1.md": story(1, "2022-01-03", "Jane Doe", "The Wire")},
                     "title: T\npermalinks:\n  author: /people/{slug}/\n  source: /outlets/{slug}/\n")
    assert build(site, "--no-search") == 0
    out = site / "public"
    assert page(out, "/people/jane-doe/").one("h1").text.strip() == "Jane Doe"
    assert page(out, "/outlets/the-wire/").one("h1").text.strip() == "The Wire"
    assert page(out, "/people/").one("h1").text.strip() == "Authors"
    assert links(page(out, "/2022/01/s1/").one("p", **{"class": "byline"}))["Jane Doe"] == "/people/jane-doe/"


def test_an_entry_without_text_fails_the_build_naming_its_line(make_site, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"content/bad.md": story(1, "2022-01-03", "Jane", "Wire", "updates:\n  - date: 2022-01-04\n")})
    assert build(site, "--no-search") == 1
    assert "content/bad.md:8: update 1 has no 'text'" in capsys.readouterr().err
    assert not (site / "public").exists()
