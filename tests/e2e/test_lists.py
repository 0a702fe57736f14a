"""Home and topic pages: newest first, paginated with rel prev/next; the topics index with counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.helpers import build, front, in_head, output_file, page
from tests.htmltree import Element

BASE = "https://news.example/"


def article_links(doc: Element) -> list[str]:
    """Return the article URLs a list page links to, in page order, once each."""
    main = doc.one("main")
    seen: list[str] = []
    for a in main.find_all("a"):
        href = a.get("href") or ""
        if re.fullmatch(r"/2022/01/a\d+/", href) and href not in seen:
            seen.append(href)
    return seen


@pytest.fixture
def out(make_site) -> Path:
    files = {}
    for day in range(1, 6):  # a1 (oldest) .. a5 (newest)
        topics = ["Russia"] + (["CSTO"] if day % 2 else [])
        files[f"content/a{day}.md"] = front({"date": f"2022-01-0{day}T12:00:00", "title": f"Story {day}", "topics": topics})
    site = make_site(files, f"title: Briefs\nbase_url: {BASE}\nper_page: 2\n")
    assert build(site) == 0
    return site / "public"


@pytest.mark.parametrize(
    ("root", "pages", "expected"),
    [
        ("/", 3, [["/2022/01/a5/", "/2022/01/a4/"], ["/2022/01/a3/", "/2022/01/a2/"], ["/2022/01/a1/"]]),
        ("/topics/russia/", 3, [["/2022/01/a5/", "/2022/01/a4/"], ["/2022/01/a3/", "/2022/01/a2/"], ["/2022/01/a1/"]]),
        ("/topics/csto/", 2, [["/2022/01/a5/", "/2022/01/a3/"], ["/2022/01/a1/"]]),
    ],
)
def test_pagination_newest_first(out: Path, root: str, pages: int, expected: list[list[str]]) -> None:
    urls = [root] + [f"{root}page/{n}/" for n in range(2, pages + 1)]
    assert [article_links(page(out, url)) for url in urls] == expected
    assert not output_file(out, f"{root}page/{pages + 1}/").exists()
    assert not output_file(out, f"{root}page/1/").exists()  # page 1 is the root itself


@pytest.mark.parametrize("root", ["/", "/topics/russia/"])
def test_pages_link_each_other_and_are_their_own_canonical(out: Path, root: str) -> None:
    urls = [root, f"{root}page/2/", f"{root}page/3/"]
    for index, url in enumerate(urls):
        doc = page(out, url)
        assert [link.get("href") for link in in_head(doc, "link", rel="canonical")] == [BASE.rstrip("/") + url]
        prev_url = urls[index - 1] if index > 0 else None
        next_url = urls[index + 1] if index < len(urls) - 1 else None
        assert [link.get("href") for link in in_head(doc, "link", rel="prev")] == ([prev_url] if prev_url else [])
        assert [link.get("href") for link in in_head(doc, "link", rel="next")] == ([next_url] if next_url else [])
        # Readers get visible links too, not only <head> hints.
        visible = {a.get("href") for a in doc.one("body").find_all("a")}
        assert all(url in visible for url in (prev_url, next_url) if url)
        assert f"{root}page/1/" not in visible  # page 1 is the list's own URL


def test_single_page_list_has_no_pagination_links(make_site) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-01", "title": "Only", "topics": ["X"]})})
    assert build(site) == 0
    for url in ("/", "/topics/x/"):
        doc = page(site / "public", url)
        assert doc.find_all("link", rel="prev") == [] and doc.find_all("link", rel="next") == []
        assert doc.find_all("a", rel="next") == []


def test_topic_page_is_headed_by_its_name(out: Path) -> None:
    assert [h.text for h in page(out, "/topics/csto/").find_all("h1")] == ["CSTO"]
    assert [h.text for h in page(out, "/topics/csto/page/2/").find_all("h1")] == ["CSTO"]


def test_topics_index_lists_every_topic_with_its_count(out: Path) -> None:
    doc = page(out, "/topics/")
    for name, url, count in (("Russia", "/topics/russia/", 5), ("CSTO", "/topics/csto/", 3)):
        (link,) = doc.one("main").find_all("a", href=url)
        assert link.text.startswith(name)
        # The count sits in the link or beside it: the nearest enclosing element that shows a number.
        holder = next(el for el in [link, *link.ancestors()] if re.search(r"\d", el.text))
        assert re.findall(r"\d+", holder.text) == [str(count)], holder.text


def test_empty_site_still_builds_home_and_topics(make_site) -> None:
    site = make_site({})
    assert build(site) == 0
    assert page(site / "public", "/").find("h1") is not None
    assert page(site / "public", "/topics/").find("h1") is not None
