"""Topic pages: readable ASCII slugs, and names that slug alike never overwrite each other."""

from __future__ import annotations

from tests.e2e.helpers import build, front, page


def test_unicode_and_colliding_topics_get_distinct_pages(make_site) -> None:
    site = make_site({
        # First appearance by date decides who gets the plain slug (SPEC section 8).
        "content/b.md": front({"date": "2024-02-11", "title": "Final", "topics": ["Cote dIvoire", "Zurich"]}),
        "content/a.md": front({"date": "2024-01-13", "title": "Opener", "topics": ["Côte d'Ivoire", "Zürich"]}),
        "content/c.md": front({"date": "2023-05-14", "title": "Vote", "topics": ["Recep Tayyip Erdoğan", "Türkiye"]}),
    })
    assert build(site) == 0
    out = site / "public"
    expected = {
        "/topics/cote-divoire/": ("Côte d'Ivoire", ["/2024/01/a/"]),
        "/topics/cote-divoire-2/": ("Cote dIvoire", ["/2024/02/b/"]),
        "/topics/zurich/": ("Zürich", ["/2024/01/a/"]),
        "/topics/zurich-2/": ("Zurich", ["/2024/02/b/"]),
        "/topics/recep-tayyip-erdogan/": ("Recep Tayyip Erdoğan", ["/2023/05/c/"]),
        "/topics/turkiye/": ("Türkiye", ["/2023/05/c/"]),
    }
    for url, (name, articles) in expected.items():
        doc = page(out, url)
        assert [h.text for h in doc.find_all("h1")] == [name], url
        linked = sorted({a.get("href") for a in doc.one("main").find_all("a") if (a.get("href") or "").startswith("/20")})
        assert linked == articles, url
    topic_dirs = sorted(p.name for p in (out / "topics").iterdir() if p.is_dir())
    assert topic_dirs == sorted(u.split("/")[2] for u in expected)
    # Every article links each of its topics to that topic's own page.
    doc = page(out, "/2024/02/b/")
    hrefs = {a.text: a.get("href") for a in doc.one("main").find_all("a") if (a.get("href") or "").startswith("/topics/")}
    assert hrefs["Cote dIvoire"] == "/topics/cote-divoire-2/" and hrefs["Zurich"] == "/topics/zurich-2/"
    index = page(out, "/topics/")
    index_links = {a.text: a.get("href") for a in index.one("main").find_all("a") if (a.get("href") or "").startswith("/topics/")}
    assert index_links == {name: url for url, (name, _) in expected.items()}


def test_topic_names_cannot_leave_the_topics_folder(make_site, tmp_path) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-01", "title": "T", "topics": ["../../escape", "..", "/etc/passwd"]})})
    assert build(site) == 0
    out = site / "public"
    topics = sorted(p.name for p in (out / "topics").iterdir() if p.is_dir())
    assert topics == ["escape", "etc-passwd", "topic"]
    assert not (tmp_path / "escape").exists() and not (site / "escape").exists()
    assert [h.text for h in page(out, "/topics/escape/").find_all("h1")] == ["../../escape"]


def test_topic_descriptions_from_site_yaml(make_site) -> None:
    site = make_site(
        {"content/a.md": front({"date": "2022-01-01", "title": "T", "topics": ["CSTO"]})},
        "title: T\ntopics:\n  CSTO:\n    description: A Moscow-led military alliance.\n",
    )
    assert build(site) == 0
    assert "A Moscow-led military alliance." in page(site / "public", "/topics/csto/").one("main").text
