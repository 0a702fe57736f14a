"""Site search: the Pagefind bundle, the search page and the masthead box (SPEC section 5)."""

from __future__ import annotations

from pathlib import Path

from generator.publish.pagefind_bundle import unpack
from generator.publish.search import BUNDLE_DIR
from tests.e2e.helpers import build, front, page, snapshot

ARTICLE = front({"title": "Troops pour into Kazakhstan", "date": "2022-01-09T18:30:00+11:00",
                 "topics": ["Kazakhstan", "CSTO"], "source": "The Wall Street Journal"},
                "Moscow says it has prepared more than 75 aircraft.\n")
OTHER = front({"title": "Grain deal signed", "date": "2022-07-22T10:00:00+03:00", "topics": ["Ukraine"]},
              "Ships may sail again.\n")


def test_build_writes_the_bundle_and_a_search_page(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE, "content/b.md": OTHER})
    assert build(site) == 0
    out = site / "public"
    for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-entry.json"):
        assert (out / BUNDLE_DIR / name).is_file(), name
    assert list((out / BUNDLE_DIR / "fragment").iterdir())
    doc = page(out, "/search/")
    scripts = [s.get("src") for s in doc.find_all("script") if s.get("src")]
    assert "/pagefind/pagefind-ui.js" in scripts
    assert doc.find("div", id="search") is not None
    # The build cache stays in .newsbite-cache/ (issue 5); Pagefind's scratch copy must not.
    assert not list((site / ".newsbite-cache").glob("search-*")), "the staging copy must not be left behind"


def test_only_the_article_body_is_indexed_with_filters(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site) == 0
    doc = page(site / "public", "/2022/01/a/")
    bodies = [el for el in doc.iter() if "data-pagefind-body" in el.attrs]
    assert [el.tag for el in bodies] == ["article"]
    assert bodies[0].find("h1") is not None
    topics = [el.text for el in doc.find_all("a") if el.get("data-pagefind-filter") == "topic"]
    assert topics == ["Kazakhstan", "CSTO"]
    assert [el.text for el in doc.iter() if el.get("data-pagefind-filter") == "source"] == ["The Wall Street Journal"]
    for other in ("/", "/topics/", "/topics/kazakhstan/", "/search/"):
        assert not [el for el in page(site / "public", other).iter() if "data-pagefind-body" in el.attrs], other


def test_masthead_search_box_sends_q_to_the_search_page(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE}, "title: T\nbase_url: https://example.org/briefings/\n")
    assert build(site) == 0
    doc = page(site / "public", "/")
    form = doc.find("form", role="search")
    assert form is not None and form.get("action") == "/briefings/search/" and form.get("method") == "get"
    assert form.find("input", name="q") is not None
    search = page(site / "public", "/search/")
    ui = search.find("div", id="search")
    assert ui is not None and ui.get("data-bundle") == "/briefings/pagefind/" and ui.get("data-base") == "/briefings/"


def test_no_search_writes_no_bundle_and_hides_the_box(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site, "--no-search") == 0
    out = site / "public"
    assert not (out / BUNDLE_DIR).exists()
    assert page(out, "/").find("form", role="search") is None
    search = page(out, "/search/")
    assert "not available" in search.find("main").text
    assert not [s for s in search.find_all("script") if "pagefind" in (s.get("src") or "")]


def test_turning_search_off_later_prunes_the_bundle(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site) == 0
    assert (site / "public" / BUNDLE_DIR).is_dir()
    assert build(site, "--no-search") == 0
    assert not (site / "public" / BUNDLE_DIR).exists()


def test_the_bundle_is_the_same_bytes_on_every_build(make_site, tmp_path: Path) -> None:
    # Pagefind writes its filter index in hash-map order; the build re-encodes it sorted.
    site = make_site({"content/a.md": ARTICLE, "content/b.md": OTHER})
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(site, "--output", str(first)) == 0
    assert build(site, "--output", str(second)) == 0
    assert snapshot(first / BUNDLE_DIR) == snapshot(second / BUNDLE_DIR)
    assert list((first / BUNDLE_DIR / "filter").iterdir())


def test_a_site_file_in_the_bundle_folder_is_an_error(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE, "layouts/static/pagefind/pagefind.js": "/* mine */"})
    assert build(site) == 1


def indexed_words(bundle: Path) -> set[str]:
    """Every word in a bundle's word index, its parts' included."""
    return {word[0] for chunk in bundle.rglob("*.pf_index") for word in unpack(chunk.read_bytes())[0]}


def test_a_topic_name_is_a_searched_word_and_the_labels_are_not(make_site) -> None:
    # Hugo users find a briefing by the name of its tag; a reader types the topic, not the filter.
    article = front({"title": "Talks resume", "date": "2022-01-09T18:30:00+11:00", "topics": ["Kyrgyzstan"],
                     "original_url": "https://news.example.com/story/ulaanbaatar"}, "Diplomats met again.\n")
    site = make_site({"content/a.md": article})
    assert build(site) == 0
    words = indexed_words(site / "public" / BUNDLE_DIR)
    assert {"kyrgyzstan", "diplomat"} <= words or {"kyrgyzstan", "diplomats"} <= words, sorted(words)
    assert not {"ulaanbaatar", "related"} & words, sorted(words)
