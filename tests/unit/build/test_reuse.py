"""The last selection and catalogue, reused when the changed articles keep the site's structure."""

from __future__ import annotations

import datetime as dt

from generator.build import reuse
from generator.content.articles import Article, parse_article
from generator.content.config import SiteConfig
from generator.model.body import RenderedBody

CONFIG = SiteConfig(timezone="UTC", base_url="https://example.org/", per_page=2)
NOW = dt.datetime(2022, 1, 10, 12, 0, tzinfo=dt.timezone.utc)


def article(name: str, date: str, title: str | None = None, extra: str = "") -> Article:
    text = f"---\ntitle: {title or name}\ndate: {date}\ntopics: [Energy]\n{extra}---\nBody of {name}.\n"
    parsed, diagnostics = parse_article(f"content/{name}.md", text, CONFIG)
    assert parsed is not None, [str(d) for d in diagnostics]
    return parsed


def site() -> list[Article]:
    return [article("a", "2022-01-01"), article("b", "2022-01-02"), article("c", "2022-01-02"),
            article("d", "2022-01-03", extra="image:\n  src: missing.png\n"), article("e", "2022-01-04")]


def select(articles: list[Article], last: reuse.Selection | None = None, now: dt.datetime = NOW) -> reuse.Selection:
    return reuse.select(CONFIG, articles, False, False, now, last)


def same_selection(got: reuse.Selection, fresh: reuse.Selection) -> None:
    assert got.published == fresh.published and got.held_back == fresh.held_back
    assert (got.urls, got.clashes, got.structure, got.holds_until) == (
        fresh.urls, fresh.clashes, fresh.structure, fresh.holds_until)


def test_an_article_changed_in_wording_is_put_in_place_of_the_old_one() -> None:
    articles = site()
    first = select(articles)
    edited = [*articles]
    edited[0] = article("a", "2022-01-01", extra="standfirst: New words\n")
    again = select(edited, first)
    assert again.follows == first.serial and set(again.changed) == {"content/a.md"}
    assert any(a is edited[0] for a in again.published)
    same_selection(again, select(edited))


def test_a_new_title_that_keeps_the_order_is_reused_and_one_that_reorders_is_not() -> None:
    articles = site()
    first = select(articles)
    keeps = [*articles]
    keeps[1] = article("b", "2022-01-02", title="bb")  # still before "c" on the same date
    again = select(keeps, first)
    assert again.follows == first.serial
    same_selection(again, select(keeps))
    reorders = [*articles]
    reorders[1] = article("b", "2022-01-02", title="d")  # now after "c"
    fresh = select(reorders, first)
    assert fresh.follows == 0
    assert [a.path for a in fresh.published][2:4] == ["content/c.md", "content/b.md"]


def test_a_changed_date_an_added_article_or_a_future_date_reached_selects_anew() -> None:
    articles = site()
    first = select(articles)
    moved = [*articles]
    moved[0] = article("a", "2022-01-05")
    assert select(moved, first).follows == 0
    assert select([*articles, article("f", "2022-01-04")], first).follows == 0
    later = [*articles, article("g", "2022-01-11")]  # held back: dated after NOW
    held = select(later, None)
    assert held.holds_until is not None and [h.path for h in held.held_back] == ["content/g.md"]
    assert select(later, held, NOW + dt.timedelta(hours=1)).follows == held.serial
    reached = select(later, held, NOW + dt.timedelta(days=2))
    assert reached.follows == 0 and "content/g.md" in reached.urls


def test_derived_bodies_and_catalogue_equal_ones_made_from_scratch() -> None:
    rendered: list[str] = []

    def bodies(articles, targets):
        rendered.extend(a.path for a in articles)
        return {a.path: RenderedBody(f"<p>{a.standfirst or a.title}</p>", a.title) for a in articles}

    make = reuse.Makers(dict, bodies, lambda articles: [], lambda articles: [])
    articles = site()
    first = select(articles)
    derived = reuse.derive(CONFIG, first, (), {}, None, make)
    assert [str(p) for p in derived.catalogue.problems] and len(rendered) == 5
    edited = [*articles]
    edited[3] = article("d", "2022-01-03", extra="standfirst: Now\nimage:\n  src: missing.png\n  alt: A map\n")
    again = select(edited, first)
    rendered.clear()
    patched = reuse.derive(CONFIG, again, (), {}, derived, make)
    assert rendered == ["content/d.md"]  # only the changed article's body is rendered again
    fresh = reuse.derive(CONFIG, select(edited), (), {}, None, make)
    assert patched.bodies == fresh.bodies
    assert patched.catalogue.problems == fresh.catalogue.problems
    assert patched.catalogue.topics == fresh.catalogue.topics
    assert patched.catalogue.articles == fresh.catalogue.articles
    assert patched.catalogue.entries["content/d.md"] == fresh.catalogue.entries["content/d.md"]
    assert patched.catalogue.entries["content/d.md"].standfirst == "Now"
    # Other assets: everything is made again.
    rendered.clear()
    reuse.derive(CONFIG, select(edited, again), ("content/x.png",), {}, patched, make)
    assert len(rendered) == 5
