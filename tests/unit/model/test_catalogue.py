from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from generator.content.articles import Article, parse_article
from generator.content.config import Permalinks, SiteConfig
from generator.model.body import RenderedBody
from generator.model.catalogue import (
    article_paths,
    asset_path,
    catalogue,
    cut_description,
    format_date,
    iso_date,
    output_file,
    preview_of,
    select_articles,
    site_path,
)
from generator.model.plan import alias_clashes, plan_site, resolve_context

SYDNEY = SiteConfig(timezone="Australia/Sydney", base_url="https://example.org/briefings/", per_page=2)


def article(name: str, date: str, topics: str = "[]", extra: str = "", config: SiteConfig = SYDNEY) -> Article:
    text = f"---\ntitle: {name}\ndate: {date}\ntopics: {topics}\n{extra}---\nBody of {name}.\n"
    parsed, diagnostics = parse_article(f"content/{name}.md", text, config)
    assert parsed is not None, [str(d) for d in diagnostics]
    return parsed


def build_site(config, articles, paths, bodies, assets):
    """The catalogue and the plan of ``articles``, as a build makes them."""
    cat = catalogue(config, articles, paths, bodies, assets)
    site = plan_site(config, cat, paths)
    return site, [*cat.problems, *alias_clashes(site.pages, articles)]


def planned(articles: list[Article], config: SiteConfig = SYDNEY):
    """The plan of ``articles``, and a function giving a page's context as it renders."""
    paths, problems = article_paths(config, articles)
    assert problems == []
    bodies = {a.path: RenderedBody(f"<p>{a.title}</p>", a.title) for a in articles}
    cat = catalogue(config, articles, paths, bodies, set())
    site = plan_site(config, cat, paths)
    html = {path: body.html for path, body in bodies.items()}
    return site, lambda spec: resolve_context(config, spec.context, cat.entries, html)


def site_of(articles: list[Article], config: SiteConfig = SYDNEY):
    return planned(articles, config)[0]


NOW = dt.datetime(2022, 1, 10, 12, 0, tzinfo=SYDNEY.tz)


def test_select_orders_newest_first_and_holds_back_drafts_and_future() -> None:
    old = article("old", "2022-01-01")
    new = article("new", "2022-01-09")
    draft = article("draft", "2022-01-05", extra="draft: true\n")
    future = article("future", "2022-01-11")
    kept, held = select_articles([old, future, draft, new], drafts=False, future=False, now=NOW)
    assert [a.slug for a in kept] == ["new", "old"]
    assert [(h.path, h.reason.split()[0]) for h in held] == [("content/draft.md", "draft"), ("content/future.md", "dated")]
    kept, held = select_articles([old, future, draft, new], drafts=True, future=True, now=NOW)
    assert [a.slug for a in kept] == ["future", "new", "draft", "old"] and held == []
    # Under --drafts / --future the page is a preview: its entry says which kind (SPEC section 13).
    assert [preview_of(a) for a in kept] == ["scheduled", None, "draft", None]


def test_future_is_compared_as_an_instant_in_the_site_timezone() -> None:
    # 10:00 in Sydney on 11 January is still 10 January in UTC: it is in the future all the same.
    now_utc = dt.datetime(2022, 1, 10, 20, 0, tzinfo=dt.timezone.utc)  # 07:00 on 11 Jan in Sydney
    soon = article("soon", "2022-01-11T10:00:00")  # naive: Sydney time, three hours ahead
    past = article("past", "2022-01-11T06:00:00")
    kept, held = select_articles([soon, past], drafts=False, future=False, now=now_utc)
    assert [a.slug for a in kept] == ["past"] and [h.path for h in held] == ["content/soon.md"]


@pytest.mark.parametrize(
    ("pattern", "date", "expected"),
    [
        ("/{year}/{month}/{slug}/", "2022-01-09", "/2022/01/a/"),
        ("/{year}/{month}/{day}/{slug}/", "2022-01-09", "/2022/01/09/a/"),
        ("/{slug}.html", "2022-01-09", "/a.html"),
        ("/news/{slug}", "2022-01-09", "/news/a/"),
        # The date's own offset is UTC, but the URL takes the date in the site timezone.
        ("/{year}/{month}/{day}/{slug}/", "2021-12-31T20:00:00+00:00", "/2022/01/01/a/"),
    ],
)
def test_article_paths_follow_the_permalink(pattern: str, date: str, expected: str) -> None:
    config = SiteConfig(timezone="Australia/Sydney", permalinks=Permalinks(article=pattern))
    paths, problems = article_paths(config, [article("a", date, config=config)])
    assert problems == [] and paths == {"content/a.md": expected}


def test_article_paths_report_a_clash_naming_both_files() -> None:
    one = article("one", "2022-01-09", extra="slug: same\n")
    two = article("two", "2022-01-10", extra="slug: same\n")
    _paths, problems = article_paths(SYDNEY, [one, two])
    assert [str(p) for p in problems] == [
        "content/two.md:5: its URL /2022/01/same/ is already used by content/one.md; set a different 'slug:'"]


@pytest.mark.parametrize(
    ("url_path", "file"),
    [("/", "index.html"), ("/2022/01/a/", "2022/01/a/index.html"), ("/a.html", "a.html"),
     ("/feed.xml", "feed.xml"), ("/old/path", "old/path/index.html")],
)
def test_output_file(url_path: str, file: str) -> None:
    assert output_file(url_path) == file


def test_site_path_and_absolute_urls_keep_the_subpath() -> None:
    assert site_path(SYDNEY, "/topics/x/") == "/briefings/topics/x/"
    assert site_path(SYDNEY, "topics/x/") == "/briefings/topics/x/"
    assert SYDNEY.absolute_url(site_path(SYDNEY, "/")) == "https://example.org/briefings/"


@pytest.mark.parametrize(
    ("src", "expected"),
    [("troops.jpg", "/2022/troops.jpg"), ("../shared/map.png", "/shared/map.png"), ("missing.jpg", None),
     ("https://cdn.example/x.jpg", "https://cdn.example/x.jpg"), ("/images/x.jpg", "/images/x.jpg")],
)
def test_asset_path(src: str, expected: str | None) -> None:
    known = {"content/2022/troops.jpg", "content/shared/map.png"}
    assert asset_path(SYDNEY, src, "content/2022", known) == expected


def test_dates_as_readers_and_machines_see_them() -> None:
    moment = dt.datetime(2022, 1, 9, 7, 30, tzinfo=dt.timezone.utc)
    assert format_date(moment, SYDNEY) == "January 9, 2022"  # Babel's long format for 'en'
    assert format_date(moment, replace(SYDNEY, language="en-AU")) == "9 January 2022"
    assert iso_date(moment, False, SYDNEY) == "2022-01-09T18:30:00+11:00"
    late = dt.datetime(2022, 1, 9, 20, 0, tzinfo=dt.timezone.utc)
    assert format_date(late, SYDNEY) == "January 10, 2022"  # the site's day, not the machine's
    midnight = dt.datetime(2022, 1, 9, tzinfo=SYDNEY.tz)
    assert iso_date(midnight, True, SYDNEY) == "2022-01-09"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short.", "Short."),
        ("  spaced \n out  ", "spaced out"),
        ("x" * 160, "x" * 160),
    ],
)
def test_cut_description_keeps_short_text(text: str, expected: str) -> None:
    assert cut_description(text) == expected


def test_cut_description_cuts_near_160_at_a_word_boundary() -> None:
    words = "Moscow says it has prepared more than seventy-five aircraft for the deployment of forces, " * 4
    cut = cut_description(words)
    assert cut.endswith("\u2026")
    assert 120 <= len(cut) <= 160
    stem = cut.removesuffix("\u2026")
    assert words.startswith(stem) and words[len(stem)] in " ,"  # ends on a whole word
    assert not stem.endswith((",", " "))


def test_cut_description_of_one_long_word_stays_within_the_limit() -> None:
    cut = cut_description("a" * 400)
    assert len(cut) <= 160


def test_topic_slugs_collide_in_order_of_first_appearance_by_date_then_name() -> None:
    articles = [
        article("c", "2022-01-03", "[Cote dIvoire]"),
        article("b", "2022-01-02", "[COTE D'IVOIRE, Zurich]"),
        article("a", "2022-01-01", "[Côte d'Ivoire, Zürich]"),
        article("z", "2022-01-01", "[Côte d’Ivoire]"),  # same day as 'a': the name decides
    ]
    site = site_of(articles)
    slugs = {t.name: t.slug for t in site.topics}
    assert slugs == {
        "Côte d'Ivoire": "cote-divoire",
        "Côte d’Ivoire": "cote-divoire-2",
        "COTE D'IVOIRE": "cote-divoire-3",
        "Cote dIvoire": "cote-divoire-4",
        "Zürich": "zurich",
        "Zurich": "zurich-2",
    }
    outputs = [p.output for p in site.pages]
    assert len(outputs) == len(set(outputs))  # never an overwrite


def test_topic_slugs_do_not_depend_on_input_order() -> None:
    articles = [article("a", "2022-01-01", "[Zürich]"), article("b", "2022-01-02", "[Zurich]")]
    assert [(t.name, t.slug) for t in site_of(articles).topics] == [(t.name, t.slug) for t in site_of(articles[::-1]).topics]


def test_pagination_of_home_and_topics() -> None:
    articles = [article(f"a{i}", f"2022-01-0{i}", "[Russia]") for i in range(1, 6)]
    kept, _ = select_articles(articles, False, False, NOW)
    site, context = planned(kept)
    home = {p.output: p for p in site.pages if p.template == "list.html" and p.context["topic"] is None}
    assert sorted(home) == ["index.html", "page/2/index.html", "page/3/index.html"]
    assert [e.title for e in context(home["index.html"])["entries"]] == ["a5", "a4"]
    assert [e.title for e in context(home["page/3/index.html"])["entries"]] == ["a1"]
    # A list page names the articles it shows (its key holds them); their entries come as it renders.
    assert home["index.html"].shows == ("content/a5.md", "content/a4.md")
    second = home["page/2/index.html"].context["page"]
    assert (second.prev_url, second.url, second.next_url) == (
        "/briefings/", "/briefings/page/2/", "/briefings/page/3/")
    assert second.canonical == "https://example.org/briefings/page/2/"
    topic = [p.output for p in site.pages if p.template == "list.html" and p.context["topic"] is not None]
    assert topic == ["topics/russia/index.html", "topics/russia/page/2/index.html", "topics/russia/page/3/index.html"]


def test_topics_index_counts() -> None:
    site = site_of([article("a", "2022-01-01", "[Russia, CSTO]"), article("b", "2022-01-02", "[Russia]")])
    (index,) = [p for p in site.pages if p.template == "topics.html"]
    assert [(t.name, t.count) for t in index.context["topics"]] == [("CSTO", 1), ("Russia", 2)]


def test_related_briefings_share_topics_and_exclude_self() -> None:
    site, context = planned([
        article("a", "2022-01-01", "[Russia, CSTO]"),
        article("b", "2022-01-02", "[Russia, CSTO]"),
        article("c", "2022-01-03", "[Russia]"),
        article("d", "2022-01-04", "[Football]"),
    ])
    pages = {context(p)["article"].title: context(p) for p in site.pages if p.template == "article.html"}
    assert [e.title for e in pages["a"]["related"]] == ["b", "c"]
    assert pages["d"]["related"] == []
    assert pages["a"]["page"].title == "a | NewsBite" and pages["a"]["body"] == "<p>a</p>"


def test_missing_image_is_an_error_naming_the_line() -> None:
    a = article("a", "2022-01-01", extra="image: {src: nowhere.jpg, alt: A map}\n")
    paths, _ = article_paths(SYDNEY, [a])
    _site, problems = build_site(SYDNEY, [a], paths, {a.path: RenderedBody("", "")}, set())
    assert [str(w) for w in problems] == ["content/a.md:5: image 'nowhere.jpg' not found next to the article"]


def test_image_without_alt_text_is_a_warning() -> None:
    a = article("a", "2022-01-01", extra="image: map.jpg\n")
    paths, _ = article_paths(SYDNEY, [a])
    _site, warnings = build_site(SYDNEY, [a], paths, {a.path: RenderedBody("", "")}, {"content/map.jpg"})
    assert [str(w) for w in warnings] == [
        "content/a.md:5: warning: image has no alt text; add 'alt:' for readers who cannot see it"]
