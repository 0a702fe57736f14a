"""Cards and related items printed from a build's shelf (render/fragments.py with a ``FragmentShelf``):
the same bytes as when each page renders them, and only where nothing of the page can change them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from typing import Any

import jinja2
import pytest

from generator.content.config import load_config
from generator.model.catalogue import Entry
from generator.render import fragments
from generator.render.templates import make_environment, shelve_fragments

WHEN = dt.datetime(2022, 1, 3, 9, 0, tzinfo=dt.timezone.utc)


class DictShelf:
    """A shelf in a dict, counting what is asked of it."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str, str], str] = {}
        self.found = 0

    def get(self, name: str, path: str, variant: str) -> str | None:
        html = self.kept.get((name, path, variant))
        self.found += html is not None
        return html

    def put(self, name: str, path: str, variant: str, html: str) -> None:
        self.kept[(name, path, variant)] = html


def entry(slug: str, image: bool = False, preview: str | None = None) -> Entry:
    return Entry(path=f"content/{slug}.md", title=f"Title {slug}", url=f"/{slug}/", output=f"{slug}/index.html",
                 date=WHEN, date_iso=WHEN.isoformat(), date_display="3 January 2022", updated=None,
                 updated_iso=None, updated_display=None, standfirst=None, summary=f"Summary {slug}", authors=(),
                 source=None, image="x.jpg" if image else None, topics=(), original_url=None,  # type: ignore[arg-type]
                 aliases=(), extra=MappingProxyType({}), preview=preview)


def environment(site: Path, card: str) -> jinja2.Environment:
    (site / "layouts" / "partials").mkdir(parents=True, exist_ok=True)
    (site / "layouts" / "partials" / "card.html").write_text(card, encoding="utf-8")
    (site / "layouts" / "page.html").write_text("{% include 'partials/listing.html' %}", encoding="utf-8")
    config, _warnings = load_config("title: T\n", "site.yaml")
    return make_environment(config, site)


def pages() -> list[dict[str, Any]]:
    a, b, c = entry("a", image=True), entry("b"), entry("c", image=True, preview="draft")
    one = SimpleNamespace(number=1, total=1)
    return [{"entries": [a, b, c], "page": SimpleNamespace(kind="home"), "pagination": one},
            {"entries": [b, c], "page": SimpleNamespace(kind="topic"), "pagination": one},
            {"entries": [c, a], "page": SimpleNamespace(kind="author"), "pagination": one}]


def render_all(env: jinja2.Environment, shelf: DictShelf | None) -> list[str]:
    shelve_fragments(env, shelf)
    return [env.get_template("page.html").render(context) for context in pages()]


CARD = ('<li>{{ entry.title }}{% if lead %} lead{% endif %}{% if first_picture is defined and first_picture is '
        'sameas entry %} first{% endif %}{% if entry.preview %} {{ t(entry.preview) }}{% endif %}</li>')


def test_a_later_build_prints_the_shelved_cards_and_renders_none(tmp_path: Path) -> None:
    shelf = DictShelf()
    first = render_all(environment(tmp_path, CARD), shelf)
    assert first == render_all(environment(tmp_path, CARD), None)  # the bytes of cards rendered on each page
    # One per entry and what the page gave it: A as the lead (and first picture) and as a first picture,
    # B as neither, C as a first picture and as neither.
    assert sorted((path, variant) for _name, path, variant in shelf.kept) == [
        ("content/a.md", "000"), ("content/a.md", "110"), ("content/b.md", "000"),
        ("content/c.md", "000draft"), ("content/c.md", "010draft")]
    assert shelf.found == 2  # within the build too: seven cards printed, five made
    shelf.found = 0
    rendered: list[str] = []
    second = environment(tmp_path, CARD)  # the next build, with the same templates and settings
    second.globals["t"] = lambda key: rendered.append(key) or key.title()  # the cards' only call
    assert render_all(second, shelf) == first
    assert shelf.found == 7 and rendered == []


@pytest.mark.parametrize("card", [
    "<li>{{ entry.title }} on {{ page.kind }}</li>",  # the page's own value
    "<li>{{ loop.index }} {{ entry.title }}</li>",  # the listing's loop (not reused at all)
])
def test_cards_reading_the_page_are_not_shelved(tmp_path: Path, card: str) -> None:
    shelf = DictShelf()
    reused = render_all(environment(tmp_path, card), shelf)
    assert shelf.kept == {}
    assert reused == render_all(environment(tmp_path, card), None)


def test_a_page_shadowing_a_global_the_card_reads_is_not_served_from_the_shelf(tmp_path: Path) -> None:
    shelf = DictShelf()
    env = environment(tmp_path, "<li>{{ entry.title }} {{ t('topics') }}</li>")
    shelve_fragments(env, shelf)
    own = pages()[1] | {"t": lambda key: "Own"}
    assert "<li>Title b Own</li>" in env.get_template("page.html").render(own)
    assert shelf.kept == {}
    assert "<li>Title b Topics</li>" in env.get_template("page.html").render(pages()[1])
    assert len(shelf.kept) == 2


def test_values_that_are_not_entries_are_not_shelved(tmp_path: Path) -> None:
    shelf = DictShelf()
    env = environment(tmp_path, "<li>{{ entry.title }}</li>")
    shelve_fragments(env, shelf)
    listed = SimpleNamespace(path="content/a.md", title="Not an entry", image=None, preview=None)
    page = pages()[1] | {"entries": [listed]}
    assert "<li>Not an entry</li>" in env.get_template("page.html").render(page)
    assert shelf.kept == {}


def test_the_reference_switch_leaves_the_shelf_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shelf = DictShelf()
    shelf.kept[("partials/card.html", "content/b.md", "000")] = "<li>stale</li>"
    monkeypatch.setattr(fragments, "fast_paths_on", lambda: False)
    pages_made = render_all(environment(tmp_path, CARD), shelf)
    assert "stale" not in "".join(pages_made) and shelf.found == 0 and len(shelf.kept) == 1
