"""The search index in parts (issue 11): the split, the listing, and Pagefind's service mode."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest

from generator.diagnostics import BuildError
from generator.publish import pagefind_service, search
from generator.publish.pagefind_service import IndexPage, PagefindFailed, index_pages

PAGE = ("<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>"
        "<article data-pagefind-body><h1>{title}</h1><p>{text}</p>"
        "<a data-pagefind-filter=\"topic\">{topic}</a></article></body></html>")


def page(title: str, text: str, topic: str = "Energy") -> bytes:
    return PAGE.format(title=title, text=text, topic=topic).encode("utf-8")


@pytest.mark.parametrize(("pages", "count"), [(0, 1), (1, 1), (320, 1), (321, 2), (10_000, 32), (10_240, 32),
                                              (10_241, 64), (1_000_000, search.MAX_PARTS)])
def test_part_count_is_a_power_of_two_near_the_pages_per_part(pages: int, count: int) -> None:
    assert search.part_count(pages) == count


def test_a_page_stays_in_its_part_across_runs_and_machines() -> None:
    # sha1 of the path, not Python's salted hash(): the split must not change between builds.
    parts = [search.part_of(f"2022/01/a{n}/index.html", 32) for n in range(2000)]
    assert parts == [search.part_of(f"2022/01/a{n}/index.html", 32) for n in range(2000)]
    assert set(parts) == set(range(32))
    # Spread evenly enough that no part holds twice its share.
    assert max(parts.count(n) for n in range(32)) < 2 * 2000 / 32


def test_parts_live_under_the_bundle_and_are_listed_for_the_search_page() -> None:
    assert search.part_folder(0) == "pagefind"
    assert search.part_folder(7) == "pagefind/parts/07"
    assert search.listed_parts(search.parts_listing([0, 1, 3])) == ["parts/01/", "parts/03/"]
    assert search.listed_parts(search.parts_listing([0])) == []


@pytest.mark.parametrize(("rel", "url"), [("index.html", "/"), ("2022/01/a/index.html", "/2022/01/a/"),
                                          ("404.html", "/404.html")])
def test_a_page_is_linked_as_pagefind_links_a_file(rel: str, url: str) -> None:
    assert search.page_url(rel) == url


def test_the_service_indexes_pages_from_memory_and_a_part_is_the_same_bytes_twice() -> None:
    pages = [IndexPage("/a/", page("Troops in Kazakhstan", "Moscow sends aircraft")),
             IndexPage("/b/", page("Grain deal", "Ships may sail", "Ukraine"))]
    seen: list[int] = []
    first = index_pages(search.pagefind_executable(), pages, lambda: seen.append(1))
    assert len(seen) == 2
    assert "pagefind-entry.json" in first and "pagefind.js" in first
    assert len([p for p in first if p.startswith("fragment/")]) == 2
    # Pagefind writes filters in hash-map order; a part is made canonical, so the same pages give the same bytes.
    pairs = [("a/index.html", pages[0].html), ("b/index.html", pages[1].html)]
    assert search.index_part(0, pairs) == search.index_part(0, pairs)


def test_a_later_part_keeps_only_its_index() -> None:
    files = search.index_part(3, [("2022/01/a/index.html", page("Troops", "Kazakhstan"))])
    assert all(rel.startswith("pagefind/parts/03/") for rel in files)
    names = {rel.removeprefix("pagefind/parts/03/") for rel in files}
    assert "pagefind-entry.json" in names and any(n.endswith(".pf_meta") for n in names)
    assert not [n for n in names if n.endswith((".js", ".css")) or n.startswith("wasm.")]
    first = search.index_part(0, [("2022/01/a/index.html", page("Troops", "Kazakhstan"))])
    assert "pagefind/pagefind-ui.js" in first and "pagefind/pagefind.js" in first


def test_a_crashing_pagefind_is_an_error_naming_the_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'thread main panicked: out of cheese' >&2\nexit 101\n")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake)
    with pytest.raises(BuildError) as caught:
        search.index_part(5, [("2022/01/a/index.html", page("Troops", "Kazakhstan"))])
    message = str(caught.value.diagnostics[0])
    assert "Pagefind failed to index search part 5" in message and "2022/01/a/index.html" in message
    assert "out of cheese" in message and "exit code 101" in message


def test_a_missing_pagefind_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PagefindFailed, match="could not run .*nowhere"):
        index_pages(tmp_path / "nowhere", [IndexPage("/a/", page("T", "x"))])


RELATED = (b'<html lang="en"><body><article data-pagefind-body><h1>T</h1><p>Words.</p></article>'
           b'<aside class="related" data-pagefind-ignore="all"><ul><li><a href="/1/">One</a></li>'
           b'<li><aside>nested</aside></li></ul></aside><footer>F</footer></body></html>')


def test_what_pagefind_ignores_whole_does_not_change_the_indexed_digest() -> None:
    base = search.indexed_digest(RELATED)
    assert search.indexed_digest(RELATED.replace(b">One<", b">Two<")) == base
    assert search.indexed_digest(RELATED.replace(b"nested", b"other")) == base
    # Pagefind reads nothing beyond the marked body but the language.
    assert search.indexed_digest(RELATED.replace(b">F<", b">G<")) == base
    for read in (b"Words.", b"<h1>T", b'lang="en"'):
        assert search.indexed_digest(RELATED.replace(read, read + b"x")) != base, read


INSIDE = RELATED.replace(b"</article><aside", b"<aside").replace(b"</aside><footer>", b"</aside></article><footer>")


@pytest.mark.parametrize("hiding", [b"<!-- </aside> -->", b"<script>'</aside>'</script>"])
def test_an_ignored_element_whose_end_is_unsure_is_kept_in_the_digest(hiding: bytes) -> None:
    assert search.indexed_digest(INSIDE.replace(b">One<", b">Two<")) == search.indexed_digest(INSIDE)
    page = INSIDE.replace(b"<ul>", hiding + b"<ul>")
    assert search.indexed_digest(page.replace(b">One<", b">Two<")) != search.indexed_digest(page)


def test_pagefind_is_given_the_html_tag_and_the_marked_body_alone() -> None:
    page = (b'<!DOCTYPE html><html lang="de" dir="ltr"><head><title>T</title><meta property="og:image" content="x">'
            b'</head><body><nav>Menu</nav><article data-pagefind-body><h1>T</h1><p>W</p></article>'
            b'<p>between</p><section data-pagefind-body>S</section><footer>F</footer></body></html>')
    assert search.indexed_page(page) == (b'<!DOCTYPE html><html lang="de" dir="ltr"><body><article data-pagefind-body>'
                                         b'<h1>T</h1><p>W</p></article><section data-pagefind-body>S</section>'
                                         b'</body></html>')


@pytest.mark.parametrize("whole", [
    b'<html lang="en"><body><p>no body marked</p></body></html>',
    # Pagefind may read a filter, metadata or sort key outside the body: the page goes whole.
    b'<html lang="en"><head><meta data-pagefind-meta="image[content]" content="x"></head>'
    b'<body><article data-pagefind-body>W</article></body></html>',
    b'<html lang="en"><body><article data-pagefind-body>W</article><p data-pagefind-filter="t">x</p></body></html>',
    # A body element whose end is not plain to find, or none at all.
    b'<html lang="en"><body><article data-pagefind-body>W<!-- </article> --></article></body></html>',
    b'<html lang="en"><body><article data-pagefind-body>W</body></html>',
    b'<body><article data-pagefind-body>W</article></body>',  # no <html> tag
])
def test_a_page_is_given_whole_when_what_pagefind_reads_of_it_is_not_plain(whole: bytes) -> None:
    assert search.indexed_page(whole) == whole


def test_only_the_marked_element_is_left_out() -> None:
    # <a> inside is not taken for the end of <aside>; an element with no end tag found is kept.
    page = b'<p>a</p><aside data-pagefind-ignore="all"><a>x</a><asides>y</asides></aside><p>b</p>'
    assert search.indexed_digest(page) == search.indexed_digest(b"<p>a</p><p>b</p>")
    unclosed = b'<p>a</p><aside data-pagefind-ignore="all"><a>x</a>'
    assert search.indexed_digest(unclosed) != search.indexed_digest(unclosed.replace(b">x<", b">y<"))


@pytest.mark.parametrize("buffer", [1, 3, 7, 64])
def test_an_answer_is_decoded_as_it_is_read_whatever_the_pieces_it_arrives_in(buffer: int) -> None:
    answers = [{"message_id": 1, "payload": {"type": "GetFiles", "files": [{"path": "a.pf_meta", "content": "AAEC"}]}},
               {"message_id": 2, "payload": {"type": "IndexedFile", "page_word_count": 12345}}]
    wire = b"".join(base64.b64encode(json.dumps(a).encode("utf-8")) + b"," for a in answers)
    stream = io.BufferedReader(io.BytesIO(b"\n" + wire), buffer_size=buffer)  # type: ignore[arg-type]
    assert pagefind_service._answer(stream, "GetFiles") == answers[0]["payload"]
    assert pagefind_service._answer(stream, "IndexedFile") == answers[1]["payload"]
    with pytest.raises(PagefindFailed, match="stopped before it answered"):
        pagefind_service._answer(stream, "GetFiles")


def test_an_answer_that_is_not_base64_is_a_failure_saying_so() -> None:
    with pytest.raises(PagefindFailed, match="not base64"):
        pagefind_service._answer(io.BufferedReader(io.BytesIO(b"e30*e30=,")), "GetFiles")  # type: ignore[arg-type]
