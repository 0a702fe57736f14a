from __future__ import annotations

import re

import pytest

from generator.content.typography import smarten
from generator.render import markup, quickmark
from generator.render.markup import (
    heading_id,
    markdown_parser,
    render_body,
    resolve_reference,
)
from tests.htmltree import parse_html

TARGETS = {
    "content/2022/map.svg": "/2022/map.svg",
    "content/2023/b.md": "/2023/01/b/",
    "content/2022/with space.png": "/2022/with%20space.png",
}


def html_of(body: str, escape_html: bool = False) -> str:
    return render_body("content/2022/a.md", body, escape_html, TARGETS.get).html


# News typography (SPEC section 1): curly quotes, dashes and ellipses are produced.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"Quoted"', "\u201cQuoted\u201d"),
        ("it's", "it\u2019s"),
        ("'single'", "\u2018single\u2019"),
        ("1990--2000", "1990\u20132000"),
        ("wait --- what", "wait \u2014 what"),
        ("and so...", "and so\u2026"),
        ("(c) 2022", "\u00a9 2022"),
        ("`\"code\" -- stays`", '"code" -- stays'),
    ],
)
def test_typographer(source: str, expected: str) -> None:
    assert parse_html(html_of(source)).one("p").text == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"Hi" -- it\'s...', "\u201cHi\u201d \u2013 it\u2019s\u2026"),
        ("<b>not markup</b> *not emphasis*", "<b>not markup</b> *not emphasis*"),
        ("line\nbreak", "line\nbreak"),
        ("", ""),
    ],
)
def test_smarten_plain_text(source: str, expected: str) -> None:
    # Titles and standfirsts are plain text: typography yes, Markdown and HTML no (templates escape).
    assert smarten(source) == expected


def test_tables() -> None:
    doc = parse_html(html_of("| Country | Troops |\n|---|--:|\n| Russia | 3,000 |\n"))
    assert [th.text for th in doc.find_all("th")] == ["Country", "Troops"]
    assert [td.text for td in doc.find_all("td")] == ["Russia", "3,000"]


def test_footnotes() -> None:
    doc = parse_html(html_of("Claim.[^src]\n\n[^src]: Reuters, 9 January.\n"))
    ref = doc.one("sup").one("a")
    target = ref.get("href")
    assert target is not None and target.startswith("#")
    note = doc.one(id=target[1:])
    assert "Reuters, 9 January." in note.text


def test_strikethrough() -> None:
    assert parse_html(html_of("~~withdrawn~~ claim")).one("s").text == "withdrawn"


def test_heading_ids_and_h1_demoted() -> None:
    doc = parse_html(html_of("# In the body\n\n## Côte d'Ivoire wins\n\n## Côte d'Ivoire wins\n\n### What next?\n"))
    assert doc.find_all("h1") == []  # the page's one <h1> is the headline
    headings = doc.find_all("h2") + doc.find_all("h3")
    ids = [h.get("id") for h in headings]
    assert "cote-divoire-wins" in ids and "what-next" in ids
    assert len(set(ids)) == len(ids), ids


def test_raw_html_passes_by_default() -> None:
    doc = parse_html(html_of('<div class="note">An <abbr title="Collective">CSTO</abbr> note.</div>\n'))
    assert doc.one("div").text == "An CSTO note."
    assert doc.one("abbr").get("title") == "Collective"


def test_raw_html_is_escaped_when_the_site_says_so() -> None:
    html = html_of('<script>alert(1)</script>\n\nSee <b onclick="x()">this</b>.\n', escape_html=True)
    doc = parse_html(html)
    assert doc.find_all("script") == [] and doc.find_all("b") == []
    assert "<script>alert(1)</script>" in doc.text
    assert "See <b onclick=" in doc.text and "this</b>." in doc.text  # shown as text (quotes curled)


def test_relative_links_and_images_resolve_to_output_urls() -> None:
    doc = parse_html(html_of("![Map](map.svg) [next](../2023/b.md#x) [abs](/about/) [ext](https://e.com/a) [gone](nope.md)"))
    assert doc.one("img").get("src") == "/2022/map.svg"
    assert [a.get("href") for a in doc.find_all("a")] == ["/2023/01/b/#x", "/about/", "https://e.com/a", "nope.md"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("map.svg", "/2022/map.svg"),
        ("./map.svg?v=2", "/2022/map.svg?v=2"),
        ("with%20space.png", "/2022/with%20space.png"),
        ("../2022/map.svg", "/2022/map.svg"),
        ("https://e.com/map.svg", None),
        ("//e.com/map.svg", None),
        ("/map.svg", None),
        ("#top", None),
        ("mailto:a@b.c", None),
    ],
)
def test_resolve_reference(url: str, expected: str | None) -> None:
    assert resolve_reference(url, "content/2022", TARGETS.get) == expected


def test_first_paragraph_is_plain_text() -> None:
    body = "## Heading\n\nFirst *para* with [a link](https://e.com) and `code`\nacross lines.\n\nSecond.\n"
    rendered = render_body("content/a.md", body, False, TARGETS.get)
    assert rendered.first_paragraph == "First para with a link and code across lines."


def test_body_heading_never_takes_a_layout_id() -> None:
    from generator.render.markup import LAYOUT_IDS, render_body

    html = render_body("content/a.md", "## Main\n\n## Related heading\n", False, lambda _: None).html
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert ids == {"main-section", "related-heading-section"}
    assert not ids & LAYOUT_IDS


def test_site_root_links_go_under_a_subpath_base_url() -> None:
    from generator.render.markup import render_body

    body = "[CSTO](/topics/csto/#latest) ![map](/images/map.svg) [here](/briefings/already/) [far](https://x.org/a)\n"
    html = render_body("content/a.md", body, False, lambda _: None, "/briefings/").html
    assert 'href="/briefings/topics/csto/#latest"' in html
    assert 'src="/briefings/images/map.svg"' in html
    assert 'href="/briefings/already/"' in html
    assert 'href="https://x.org/a"' in html
    at_root = render_body("content/a.md", body, False, lambda _: None, "/").html
    assert 'href="/topics/csto/#latest"' in at_root


# Characters XML 1.0 forbids, and what markdown-it-py decodes into them, on the quick path and
# the full parser's: a body's HTML and first paragraph hold none of them (SPEC section 7).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@pytest.mark.parametrize("body", [
    "Bell \x01 and escape \x1b in *quick* text, \ufffe and \uffff.\n",
    "Table:\n\n| a |\n| - |\n| \x03 |\n",
    "A form feed as an entity: &#12; and &#xC;.\n",
    "An autolink: <https://example.org/%01%EF%BF%BF>.\n",
    "Long " * 300 + "\x02 text.\n",
])
def test_bodies_hold_no_character_xml_forbids(body: str) -> None:
    rendered = render_body("content/2022/a.md", body, False, TARGETS.get)
    assert NOT_XML.search(rendered.html) is None and NOT_XML.search(rendered.first_paragraph) is None
    assert rendered.first_paragraph and rendered.first_paragraph.split()[0] in rendered.html


def test_the_reference_switch_renders_every_body_with_markdown_it_py(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    body = 'A "quoted" [link](../2023/b.md) in *the* usual shape.\n\n## What next\n\n- one\n- two\n'
    assert quickmark.render_quick(body, markdown_parser(False), lambda url, folder: None, "content/2022",
                                  heading_id) is not None  # a body the quick path takes when it may
    usual = render_body("content/2022/a.md", body, False, TARGETS.get)
    request.getfixturevalue("reference_only")
    monkeypatch.setattr(markup, "render_quick", lambda *args: pytest.fail("quickmark ran with the fast paths off"))
    assert render_body("content/2022/a.md", body, False, TARGETS.get) == usual
    assert not hasattr(markdown_parser(False).normalizeLink, "cache_info")  # markdown-it-py's own, not a memo
