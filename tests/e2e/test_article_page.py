"""The briefing page: the anatomy of SPEC section 1, checked with an HTML parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.helpers import PHOTO, build, front, in_head, page, position
from tests.htmltree import Element

JPEG = PHOTO  # a real photograph: the build decodes it to make its derivatives
SITE_YAML = "title: Test Briefings\nlanguage: en-AU\ntimezone: Australia/Sydney\nbase_url: https://news.example/\n"
TITLE = "Russia readies scores of transports as troops pour into Kazakhstan"
STANDFIRST = "Moscow says it has prepared more than 75 aircraft for deployment of forces."
BODY = """\
The first paragraph says what happened.

> "We will not allow it," a spokesman said.

## What comes next

- one
- two

Read [the treaty](https://example.com/treaty) -- in full... The last paragraph closes it.
"""
ARTICLE = front({
    "date": "2022-01-09T18:30:00+11:00",
    "updated": "2022-01-10T08:00:00+11:00",
    "title": TITLE,
    "standfirst": STANDFIRST,
    "topics": ["Vladimir Putin", "Kazakhstan", "CSTO"],
    "source": "The Wall Street Journal",
    "author": ["Jane Doe", "John Roe"],
    "original_url": "https://example.com/story/123",
    "image": {
        "src": "troops.jpg",
        "alt": "Russian troop trucks leaving a transport aircraft",
        "caption": "Russian troop trucks rumble off transports on Sunday.",
        "credit": "Russian Defence Ministry via AFP",
    },
    "slug": "russia-readies-transports",
}, BODY)
URL = "/2022/01/russia-readies-transports/"


@pytest.fixture
def built(make_site) -> Path:
    site = make_site({"content/2022/russia.md": ARTICLE, "content/2022/troops.jpg": JPEG}, SITE_YAML)
    assert build(site) == 0
    return site / "public"


def test_one_h1_holding_the_headline(built: Path) -> None:
    doc = page(built, URL)
    assert [h.text for h in doc.find_all("h1")] == [TITLE]


def test_elements_in_the_order_of_the_spec(built: Path) -> None:
    doc = page(built, URL)
    body = doc.one("body")
    masthead = next(a for a in body.find_all("a", href="/")
                    if "Test Briefings" in a.text or any(img.get("alt") == "Test Briefings" for img in a.find_all("img")))
    h1 = doc.one("h1")
    standfirst = next(p for p in body.find_all("p") if p.text == STANDFIRST)
    byline_date = body.find_all("time", datetime="2022-01-09T18:30:00+11:00")[0]
    source = next(el for el in body.iter() if any("The Wall Street Journal" in t for t in _texts(el)))
    figure = doc.one("figure")
    first_paragraph = next(p for p in body.find_all("p") if p.text == "The first paragraph says what happened.")
    last_paragraph = next(p for p in body.find_all("p") if "The last paragraph closes it." in p.text)
    topic_link = next(a for a in body.find_all("a") if a.text == "Vladimir Putin")
    original = body.one("a", href="https://example.com/story/123")
    order = [masthead, h1, standfirst, source, byline_date, figure, first_paragraph, last_paragraph, topic_link, original]
    positions = [position(doc, el) for el in order]
    assert positions == sorted(positions), [el.tag for el in order]
    assert h1.find_all("a") == []  # the headline is text, not a link to itself


def test_byline_names_source_authors_and_dates(built: Path) -> None:
    doc = page(built, URL)
    text = doc.one("main").text
    assert "The Wall Street Journal" in text
    assert "Jane Doe" in text and "John Roe" in text
    published = doc.one("main").find_all("time", datetime="2022-01-09T18:30:00+11:00")[0]
    assert published.text == "9 January 2022"
    updated = doc.one("main").find_all("time", datetime="2022-01-10T08:00:00+11:00")
    assert updated and updated[0].text == "10 January 2022"


def test_hero_figure_with_alt_caption_and_credit(built: Path, make_site) -> None:
    doc = page(built, URL)
    figure = doc.one("figure")
    img = figure.one("img")
    assert img.get("alt") == "Russian troop trucks leaving a transport aircraft"
    src = img.get("src") or ""  # a derivative of the picture (tests/e2e/test_pictures.py)
    assert src.startswith("/2022/troops.") and src.endswith("w.jpg") and (built / src.lstrip("/")).is_file()
    assert (built / "2022" / "troops.jpg").read_bytes() == JPEG  # byte-identical copy
    caption = figure.one("figcaption").text
    assert "Russian troop trucks rumble off transports on Sunday." in caption
    assert "Russian Defence Ministry via AFP" in caption


def test_topic_links_resolve_to_topic_pages_headed_by_the_topic(built: Path) -> None:
    doc = page(built, URL)
    article = doc.one("article") if len(doc.find_all("article")) == 1 else doc.one("main")
    for name in ("Vladimir Putin", "Kazakhstan", "CSTO"):
        links = [a for a in article.find_all("a") if a.text == name]
        assert links, f"no link for topic {name}"
        href = links[0].get("href")
        assert href is not None
        topic_page = page(built, href)
        assert [h.text for h in topic_page.find_all("h1")] == [name]
        assert any(a.get("href") == URL for a in topic_page.find_all("a"))


def test_original_url_is_a_visible_link(built: Path) -> None:
    doc = page(built, URL)
    link = doc.one("main").one("a", href="https://example.com/story/123")
    assert link.text == "https://example.com/story/123"
    hidden = [el for el in [link, *link.ancestors()] if "hidden" in el.attrs or el.get("aria-hidden") == "true"]
    assert hidden == []
    assert any("Original URL" in el.text for el in link.ancestors())


def test_body_typography_and_structure(built: Path) -> None:
    main = page(built, URL).one("main")
    assert main.one("blockquote").text == "\u201cWe will not allow it,\u201d a spokesman said."
    h2 = next(h for h in main.find_all("h2") if h.text == "What comes next")
    assert h2.get("id") == "what-comes-next"
    assert [li.text for li in main.find_all("li") if li.text in ("one", "two")] == ["one", "two"]
    assert "\u2013 in full\u2026" in main.text


def test_head_of_an_article_page(built: Path) -> None:
    doc = page(built, URL)
    assert doc.one("title").text.startswith(TITLE)
    assert [link.get("href") for link in in_head(doc, "link", rel="canonical")] == [
        "https://news.example/2022/01/russia-readies-transports/"]
    assert [m.get("content") for m in in_head(doc, "meta", name="description")] == [STANDFIRST]
    assert doc.one("html").get("lang")


def test_json_ld_news_article(built: Path) -> None:
    doc = page(built, URL)
    scripts = doc.find_all("script", type="application/ld+json")
    assert scripts, "articles carry JSON-LD NewsArticle (SPEC section 5)"
    data = json.loads(scripts[0].raw_text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == TITLE
    assert data["datePublished"] == "2022-01-09T18:30:00+11:00"


def test_landmarks(built: Path) -> None:
    doc = page(built, URL)
    assert len(doc.find_all("main")) == 1
    assert doc.find("header") is not None and doc.find("footer") is not None
    assert doc.find("nav") is not None


def test_minimal_article_has_no_empty_parts(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "Only a title"})})
    assert build(site) == 0
    doc = page(site / "public", "/2022/01/a/")
    assert [h.text for h in doc.find_all("h1")] == ["Only a title"]
    assert doc.find("figure") is None
    assert doc.one("main").find_all("time")[0].get("datetime") == "2022-01-09"  # date-only
    assert all(a.get("href") for a in doc.find_all("a"))


def test_naive_date_shows_the_site_timezone_offset(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-07-01 09:00", "title": "T"})},
                     "title: T\ntimezone: Asia/Tokyo\n")
    assert build(site) == 0
    doc = page(site / "public", "/2022/07/a/")
    assert doc.one("main").find_all("time")[0].get("datetime") == "2022-07-01T09:00:00+09:00"


def _texts(el: Element) -> list[str]:
    return [c.strip() for c in el.children if isinstance(c, str) and c.strip()]


def test_description_falls_back_to_the_first_paragraph_cut_near_160(make_site) -> None:
    words = "Moscow says it has prepared more than seventy-five aircraft for the deployment of its forces"
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "T"}, f"{words}, {words}, {words}.\n\nSecond.\n")})
    assert build(site) == 0
    doc = page(site / "public", "/2022/01/a/")
    (description,) = [m.get("content") or "" for m in in_head(doc, "meta", name="description")]
    assert 100 <= len(description) <= 160 and description.endswith("\u2026")
    stem = description.removesuffix("\u2026")
    full = f"{words}, {words}, {words}."
    assert full.startswith(stem) and full[len(stem)] in " ,"


def test_date_only_updated_is_a_plain_date(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "updated": "2022-01-10", "title": "T"})},
                     "title: T\ntimezone: Australia/Sydney\n")
    assert build(site) == 0
    times = [t.get("datetime") for t in page(site / "public", "/2022/01/a/").one("main").find_all("time")]
    assert times[:2] == ["2022-01-09", "2022-01-10"]


def test_aware_dates_are_shown_in_the_site_timezone(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-31T20:00:00Z", "title": "T"})},
                     "title: T\nlanguage: en-AU\ntimezone: Australia/Sydney\n")
    assert build(site) == 0
    # 20:00 UTC on 31 January is 07:00 on 1 February in Sydney: URL, datetime and text agree.
    time = page(site / "public", "/2022/02/a/").one("main").find_all("time")[0]
    assert (time.get("datetime"), time.text) == ("2022-02-01T07:00:00+11:00", "1 February 2022")


def test_related_briefings_share_a_topic(make_site) -> None:
    site = make_site({
        "content/a.md": front({"date": "2022-01-01", "title": "Alpha", "topics": ["Russia", "CSTO"]}),
        "content/b.md": front({"date": "2022-01-02", "title": "Beta", "topics": ["CSTO"]}),
        "content/c.md": front({"date": "2022-01-03", "title": "Gamma", "topics": ["Football"]}),
    })
    assert build(site) == 0
    doc = page(site / "public", "/2022/01/a/")
    article_links = {a.get("href") for a in doc.one("body").find_all("a") if (a.get("href") or "").startswith("/2022/")}
    assert article_links == {"/2022/01/b/"}  # not itself, not the unrelated one
    lonely = page(site / "public", "/2022/01/c/")
    assert {a.get("href") for a in lonely.one("body").find_all("a") if (a.get("href") or "").startswith("/2022/")} == set()
