"""Authors, sources and date archives in the model: terms, entries, pages and their contexts (SPEC sections 10, 11)."""

from __future__ import annotations

from generator.content.articles import Article, parse_article
from generator.content.config import AuthorProfile, SiteConfig
from generator.model.archives import date_archives
from generator.model.body import RenderedBody
from generator.model.catalogue import article_paths, catalogue, last_modified, structure_of
from generator.model.plan import index_path, plan_site, resolve_context
from generator.model.seo import news_article

SYDNEY = SiteConfig(timezone="Australia/Sydney", base_url="https://example.org/b/", per_page=2,
                    authors={"Zoë Smith": AuthorProfile("Bio.", None, "https://zoe.example/", ("https://s.example/@z",))})


def article(name: str, date: str, extra: str = "") -> Article:
    text = f"---\ntitle: {name}\ndate: {date}\n{extra}---\nBody of {name}.\n"
    parsed, diagnostics = parse_article(f"content/{name}.md", text, SYDNEY)
    assert parsed is not None, [str(d) for d in diagnostics]
    return parsed


ARTICLES = [  # newest first, as the catalogue takes them
    article("d", "2022-02-01T09:00:00", "author: [Zoe Smith, Al]\nsource: Wire\n"),
    article("c", "2022-01-31T23:30:00", "author: Zoë Smith\nsource: Wire\n"),
    # 31 December 2021 13:30 UTC is 1 January 2022 in Sydney: January's, not December's.
    article("b", "2021-12-31T13:30:00+00:00", "author: Zoë Smith\nsource: The Times\n"),
    article("a", "2021-11-05", "source: Wire\ncorrections:\n  - {date: 2021-11-07, text: Fixed *it*}\n"
                               "updates:\n  - {date: 2021-11-06, text: More}\n"),
]


def test_date_archives_group_by_month_in_the_site_timezone_newest_first() -> None:
    years = date_archives(SYDNEY, ARTICLES)
    assert [(y.year, y.path, y.url, y.articles) for y in years] == [
        (2022, "/2022/", "/b/2022/", ("content/d.md", "content/c.md", "content/b.md")),
        (2021, "/2021/", "/b/2021/", ("content/a.md",))]
    assert [(m.name, m.path, m.count) for m in years[0].months] == [("February 2022", "/2022/02/", 1),
                                                                    ("January 2022", "/2022/01/", 2)]


def test_authors_and_sources_are_taxonomies_with_topic_slug_rules() -> None:
    paths, _ = article_paths(SYDNEY, ARTICLES)
    cat = catalogue(SYDNEY, ARTICLES, paths, {a.path: RenderedBody("<p>x</p>", "x") for a in ARTICLES}, set())
    # "Zoë Smith" appeared first (b, in 2021): she keeps the plain slug; "Zoe Smith" is numbered.
    assert [(t.name, t.slug, t.path, t.articles) for t in cat.authors] == [
        ("Al", "al", "/authors/al/", ("content/d.md",)),
        ("Zoë Smith", "zoe-smith", "/authors/zoe-smith/", ("content/c.md", "content/b.md")),
        ("Zoe Smith", "zoe-smith-2", "/authors/zoe-smith-2/", ("content/d.md",))]
    assert [(t.name, t.count) for t in cat.sources] == [("The Times", 1), ("Wire", 3)]
    entry = cat.entries["content/c.md"]
    assert [(link.name, link.url, link.same_as) for link in entry.author_links] == [
        ("Zoë Smith", "/b/authors/zoe-smith/", ("https://zoe.example/", "https://s.example/@z"))]
    assert entry.source_link is not None and entry.source_link.url == "/b/sources/wire/"


def test_corrections_make_the_modified_date_and_json_ld() -> None:
    paths, _ = article_paths(SYDNEY, ARTICLES)
    cat = catalogue(SYDNEY, ARTICLES, paths, {a.path: RenderedBody("<p>x</p>", "x") for a in ARTICLES}, set())
    entry = cat.entries["content/a.md"]
    assert entry.modified_iso == "2021-11-07" and last_modified(ARTICLES[3]) == entry.modified
    assert [n.text for n in entry.corrections] == ["Fixed *it*"] and [n.text for n in entry.updates] == ["More"]
    site = plan_site(SYDNEY, cat, paths)
    spec = next(s for s in site.pages if s.output == "2021/11/a/index.html")
    context = resolve_context(SYDNEY, spec.context, cat.entries, {p: "<p>x</p>" for p in paths})
    data = news_article(SYDNEY, context["page"], context["article"], plain_text=lambda t: t.replace("*", ""))
    assert data["dateModified"] == "2021-11-07"
    assert data["correction"] == [{"@type": "CorrectionComment", "datePublished": "2021-11-07", "text": "Fixed it"}]
    assert data["author"] == {"@type": "Organization", "name": "Wire", "url": "https://example.org/b/sources/wire/"}
    # The dates of corrections and updates are structure: they move sitemaps' lastmod.
    assert structure_of(ARTICLES[3]) != structure_of(article("a", "2021-11-05", "source: Wire\n"))


def test_the_plan_has_author_source_archive_and_index_pages() -> None:
    paths, _ = article_paths(SYDNEY, ARTICLES)
    cat = catalogue(SYDNEY, ARTICLES, paths, {a.path: RenderedBody("<p>x</p>", "x") for a in ARTICLES}, set())
    pages = {spec.output: spec for spec in plan_site(SYDNEY, cat, paths).pages}
    for output in ("authors/index.html", "sources/index.html", "archive/index.html", "authors/zoe-smith/index.html",
                   "sources/wire/index.html", "sources/wire/page/2/index.html", "2022/index.html",
                   "2022/01/index.html", "2021/11/index.html"):
        assert output in pages, output
    wire = pages["sources/wire/page/2/index.html"]
    assert wire.template == "source.html" and wire.shows == ("content/a.md",)
    assert pages["sources/wire/page/index.html"].template == "redirect.html"  # a trimmed URL finds the list
    assert pages["2022/01/index.html"].shows == ("content/c.md", "content/b.md")
    assert pages["2022/index.html"].context["archive"].months[0].name == "February 2022"
    author = pages["authors/zoe-smith/index.html"].context["author"]
    assert (author.bio, author.website, author.count) == ("Bio.", "https://zoe.example/", 2)


def test_index_pages_sit_in_the_folder_of_their_terms() -> None:
    assert index_path("/authors/{slug}/", "/authors/") == "/authors/"
    assert index_path("/people/by-{slug}/", "/authors/") == "/people/"
    assert index_path("/{slug}/", "/authors/") == "/authors/"
