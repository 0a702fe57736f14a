"""Acceptance 3: markup in front matter shows as text, in HTML, in JSON-LD and in XML (SPEC section 7)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.content.typography import smarten
from tests.e2e.helpers import PHOTO, build, front, in_head, page
from tests.htmltree import Element, parse_file

NASTY = [
    "</script><script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "Tom & Jerry's \"R&D\" <b>bold</b> &amp; &lt;",
    "</title><script>alert('t')</script>",
    "]]></x><!-- -->\u2028\u2029 end",
    "{{ 7*7 }} {% raw %} ${x} `tick`",
]
URL = "/2022/01/nasty/"


def text_of(value: str) -> str:
    """What a reader should see: the value as typed, with news typography applied."""
    return " ".join(smarten(value).split())


def site_with(make_site, title: str) -> Path:
    site = make_site({
        "content/nasty.md": front({
            "date": "2022-01-09T18:30:00+11:00",
            "title": title,
            "standfirst": f"Standfirst {title}",
            "topics": [f"Topic {title}", "Plain"],
            "source": f"Source {title}",
            "author": f"Author {title}",
            "original_url": "https://example.com/a?x=1&y=\"2\"",
            "image": {"src": "p.jpg", "alt": f"Alt {title}", "caption": f"Caption {title}", "credit": f"Credit {title}"},
            "slug": "nasty",
        }, "Plain body.\n"),
        "content/p.jpg": PHOTO,
    }, "title: Site & \"Co\" <b>\ntimezone: Australia/Sydney\ndescription: <i>desc</i> & more\n")
    assert build(site) == 0
    return site / "public"


def check_scripts(doc: Element, where: str) -> list[dict]:
    """Assert every <script> is an expected one; return the parsed JSON-LD objects."""
    found = []
    for script in doc.find_all("script"):
        kind = script.get("type") or "text/javascript"
        if kind == "application/ld+json":
            # Data, not code: it must parse, and hold no '<' that could end the element early.
            assert "<" not in script.raw_text, f"{where}: {script.raw_text!r}"
            found.append(json.loads(script.raw_text))
        else:
            assert "alert" not in script.raw_text, f"{where}: injected script {script.raw_text!r}"
            # Only the generator's own scripts: loaded from a file, or inline code with no page data.
            src = script.get("src")
            assert src is None or not src.startswith(("x", "javascript:")), f"{where}: {src}"
    for el in doc.iter():
        handlers = [name for name in el.attrs if name.startswith("on")]
        assert handlers == [], f"{where}: <{el.tag} {handlers}>"
    assert doc.find_all("img", src="x") == [] and doc.find_all("b") == [] and doc.find_all("i") == []
    return found


def json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


@pytest.mark.parametrize("title", NASTY)
def test_article_page_shows_front_matter_as_text(make_site, title: str) -> None:
    out = site_with(make_site, title)
    doc = page(out, URL)
    shown = text_of(title)
    assert [h.text for h in doc.find_all("h1")] == [shown]
    main = doc.one("main")
    for prefix in ("Standfirst", "Source", "Author", "Caption", "Credit", "Topic"):
        # Headline and standfirst get news typography; names and captions may stay as typed.
        value = f"{prefix} {title}"
        assert " ".join(value.split()) in main.text or text_of(value) in main.text, prefix
    assert doc.one("figure").one("img").get("alt") == f"Alt {title}"
    assert doc.one("title").text.startswith(shown)
    assert [m.get("content") for m in in_head(doc, "meta", name="description")] == [f"Standfirst {shown}"]
    assert any(a.get("href") == "https://example.com/a?x=1&y=\"2\"" for a in main.find_all("a"))
    assert "<b>" in doc.one("body").text or "<b>" not in title  # site title shown as text too

    ld = check_scripts(doc, URL)
    assert ld, "the article page carries JSON-LD"
    strings = json_strings(ld)
    assert smarten(title) in strings  # the headline, verbatim
    assert " ".join(f"Author {title}".split()) in strings  # names are kept as typed, spaces folded


@pytest.mark.parametrize("title", NASTY)
def test_list_and_topic_pages_show_it_as_text(make_site, title: str) -> None:
    out = site_with(make_site, title)
    topic_name = "Topic " + " ".join(title.split())
    for file in sorted(out.rglob("*.html")):
        check_scripts(parse_file(file), file.relative_to(out).as_posix())
    home = page(out, "/")
    assert any(a.text == text_of(title) and a.get("href") == URL for a in home.find_all("a"))
    topics = page(out, "/topics/")
    links = [a for a in topics.one("main").find_all("a") if a.text == topic_name]
    assert len(links) == 1
    topic_page = page(out, links[0].get("href") or "")
    assert [h.text for h in topic_page.find_all("h1")] == [topic_name]


@pytest.mark.parametrize("title", NASTY)
def test_xml_outputs_are_well_formed_and_keep_the_title(make_site, title: str) -> None:
    out = site_with(make_site, title)
    xml_files = sorted(out.rglob("*.xml"))
    texts: list[str] = []
    for file in xml_files:
        root = ET.parse(file).getroot()  # raises on anything not escaped for XML
        texts.extend(t for el in root.iter() for t in (el.text, *el.attrib.values()) if t)
    if any(f.name in ("feed.xml", "atom.xml", "rss.xml", "index.xml") for f in xml_files):
        assert any(text_of(title) in t or title in t for t in texts)


def test_article_body_cannot_break_the_feeds(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "CDATA"},
                                            "Use `]]>` here and ]]> there.\n\n<div>]]> & <!-- x --></div>\n")})
    assert build(site) == 0
    for file in sorted((site / "public").rglob("*.xml")):
        ET.parse(file)


def test_raw_html_in_bodies_follows_escape_html(make_site) -> None:
    body = "Before.\n\n<aside class=\"note\">Trusted <em>markup</em></aside>\n\n<script>alert(1)</script>\n"
    trusted = make_site({"content/a.md": front({"date": "2022-01-09", "title": "T"}, body)})
    assert build(trusted) == 0
    doc = page(trusted / "public", "/2022/01/a/")
    assert doc.one("aside", class_="note").text == "Trusted markup"  # authors are trusted by default

    escaped = make_site({"content/a.md": front({"date": "2022-01-09", "title": "T"}, body)},
                        "title: T\nescape_html: true\n", name="escaped")
    assert build(escaped) == 0
    doc = page(escaped / "public", "/2022/01/a/")
    assert doc.find("aside", class_="note") is None
    check_scripts(doc, "escaped")
    assert "<script>alert(1)</script>" in doc.one("main").text


# Characters no HTML or XML page may hold, raw in a body (the quick Markdown path and the full
# parser each take one of these bodies), next to letters whose UTF-8 shares bytes with them.
FORBIDDEN = ["\x01", "\x03", "\x1b", "\x0b", "\ufffe", "\uffff"]


@pytest.mark.parametrize("body", [
    "Bell \x01 and escape \x1b in a paragraph, *Привет* ¾.\n",
    "Vertical \x0b tab, end \x03 of text, \ufffe and \uffff.\n\n| a |\n| - |\n| \x01 |\n",
    "Links to [the root](/topics/plain/) \x03 made absolute in feeds.\n",
])
def test_control_characters_in_bodies_reach_no_page_or_feed(make_site, body: str) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "T", "topics": ["Plain"]}, body)})
    assert build(site) == 0
    out = site / "public"
    files = [out / "2022/01/a/index.html", out / "feed.xml", out / "rss.xml", out / "topics/plain/feed.xml"]
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert not [c for c in FORBIDDEN if c in text], file
        assert "Привет" in text or "Vertical" in text or "the root" in text, file
    for file in files[1:]:
        ET.parse(file)
