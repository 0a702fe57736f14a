"""The link checker's pure parts: which references a page holds and where each one points."""

from __future__ import annotations

import pytest

from generator.publish.links import (
    OUTSIDE,
    broken_links,
    references,
    resolves,
    srcset_urls,
    target_of,
)

BASE = "https://example.org/briefings/"


def test_references_cover_links_assets_social_tags_and_refresh() -> None:
    html = """<link rel="stylesheet" href="/briefings/css/a.css"><link rel="alternate" href="feed.xml">
    <meta property="og:image" content="https://example.org/briefings/i.png"><meta name="twitter:image" content="t.png">
    <meta http-equiv="refresh" content="0; url=/briefings/new/"><script src="s.js"></script>
    <img src="a.png" srcset="a.png 1x, b@2x.png 2x"><picture><source srcset="c.webp"></picture>
    <form action="/briefings/search/"></form><a href="#top">top</a><a>no href</a>"""
    found = [(r.where, r.url) for r in references(html)]
    assert found == [
        ("link href", "/briefings/css/a.css"), ("link href", "feed.xml"),
        ("meta og:image", "https://example.org/briefings/i.png"), ("meta twitter:image", "t.png"),
        ("meta refresh", "/briefings/new/"), ("script src", "s.js"),
        ("img src", "a.png"), ("img srcset", "a.png"), ("img srcset", "b@2x.png"), ("source srcset", "c.webp"),
        ("form action", "/briefings/search/"), ("a href", "#top"),
    ]


def test_srcset_with_commas_inside_urls() -> None:
    assert srcset_urls("a,b.png 1x, c.png 2x") == ["a,b.png", "c.png"]


@pytest.mark.parametrize(("url", "page", "target"), [
    ("/briefings/2022/01/a/", "index.html", "2022/01/a/"),
    ("../b/", "2022/01/a/index.html", "2022/01/b/"),
    ("pic%20one.png", "2022/01/a/index.html", "2022/01/a/pic one.png"),
    ("/briefings", "topics/index.html", ""),
    ("https://example.org/briefings/feed.xml?x=1#y", "index.html", "feed.xml"),
    ("//example.org/briefings/x/", "index.html", "x/"),
    ("/2022/01/a/", "index.html", OUTSIDE),
    ("/briefings/../etc/passwd", "index.html", OUTSIDE),
    ("https://other.example/", "index.html", None),
    ("http://example.org/briefings/", "index.html", None),  # another scheme is another origin
    ("mailto:desk@example.org", "index.html", None),
    ("#comments", "2022/01/a/index.html", None),
    ("", "index.html", None),
])
def test_target_of(url: str, page: str, target: str | None) -> None:
    assert target_of(url, page, BASE) == target


def test_resolves_like_a_static_host() -> None:
    files = {"index.html", "a/index.html", "feed.xml"}
    assert resolves("", files) and resolves("a/", files) and resolves("a", files) and resolves("feed.xml", files)
    assert not resolves("b/", files) and not resolves("feed.xm", files) and not resolves(OUTSIDE, files)


def test_broken_links_name_the_page_and_the_article() -> None:
    pages = {"2022/01/a/index.html": '<a href="/briefings/gone/">x</a><img src="ok.png">',
             "index.html": '<a href="/briefings/2022/01/a/">a</a>'}
    files = set(pages) | {"2022/01/a/ok.png"}
    broken = broken_links(pages, files, BASE, {"2022/01/a/index.html": "content/2022/a.md", "index.html": "site.yaml"})
    assert [str(b) for b in broken] == ["2022/01/a/index.html: broken link -> /briefings/gone/ (a href), from content/2022/a.md"]
