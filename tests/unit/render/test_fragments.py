"""Cards and related items rendered once and printed by every page showing them: the same bytes as
including their templates on each."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from generator.content.config import load_config
from generator.diagnostics import BuildError
from generator.model.plan import PageSpec
from generator.render import fragments
from generator.content.paths import DEFAULT_LAYOUTS
from generator.render.templates import forget_fragments, make_environment, render_page

# Card templates of a site's own, whether their cards can be reused, and why.
CARDS = {
    # The entry, lead and whether it is the page's first picture: reused.
    "own": ('<li>{{ entry.title }}{% if lead %} lead{% endif %}{% if first_picture is defined and '
            'first_picture is sameas entry %} first{% endif %} {{ t("topics") }}</li>', True),
    # The page's own values: reused only on pages where they are the same (keyed by them).
    "page": ("<li>{{ entry.title }} on {{ page.kind }}</li>", True),
    # A global the page shadows: the page's value, as an included card would print.
    "shadow": ("<li>{{ entry.title }} {{ t('topics') }}</li>", True),
    # The listing's loop: only an included card sees it.
    "loop": ("<li>{{ loop.index }} {{ entry.title }}</li>", False),
    # More of the page's first picture than whether it is this entry.
    "picture": ("<li>{{ entry.title }} after {{ first_picture.title if first_picture else '-' }}</li>", False),
    # Another template, which could read anything.
    "include": ("<li>{% include 'partials/extra.html' %}</li>", False),
    # The entry assigned: the first picture test would compare another value.
    "assigns": ("{% set entry = first_picture %}<li>{{ entry.title if entry else '' }}</li>", False),
}
PAGE = "{% include 'partials/listing.html' %}"


def write_layouts(site: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (site / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / name).write_text(text, encoding="utf-8")


def entry(title: str, image: bool = False) -> SimpleNamespace:
    return SimpleNamespace(title=title, image="x.jpg" if image else None)


def environment(tmp_path: Path, card: str) -> jinja2.Environment:
    write_layouts(tmp_path, {"partials/card.html": card, "partials/extra.html": "{{ entry.title }} on {{ page.kind }}",
                             "page.html": PAGE})
    config, _warnings = load_config("title: T\n", "site.yaml")
    return make_environment(config, tmp_path)


def pages() -> list[dict[str, Any]]:
    """Three lists sharing entries: a home page (its first card the lead), a topic page and an author page."""
    a, b, c = entry("A", image=True), entry("B"), entry("C", image=True)
    one = SimpleNamespace(number=1, total=1)
    return [
        {"entries": [a, b, c], "page": SimpleNamespace(kind="home"), "pagination": one},
        {"entries": [b, c], "page": SimpleNamespace(kind="topic"), "pagination": one},
        {"entries": [c, a], "page": SimpleNamespace(kind="author"), "pagination": one, "t": lambda key: "Own"},
        {"entries": [c, a], "page": SimpleNamespace(kind="topic"), "pagination": one},
    ]


def render_all(env: jinja2.Environment) -> list[str]:
    return [env.get_template("page.html").render(context) for context in pages()]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_lists_print_the_same_cards_as_when_each_includes_them(tmp_path: Path, name: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    card, reusable = CARDS[name]
    env = environment(tmp_path, card)
    assert fragments.fragment_template(env, env.get_template("partials/card.html"), fragments.CARD_GIVEN).reusable is reusable
    reused = render_all(env)
    monkeypatch.setattr(fragments, "fast_paths_on", lambda: False)  # NEWSBITE_REFERENCE=1: included on each page
    assert fragments.FragmentMemo(env).cards(jinja2.runtime.new_context(env, "page.html", {}), [entry("x")]) is None
    assert render_all(environment(tmp_path, card)) == reused
    assert "<li>" in reused[0]


def test_the_cards_show_what_the_page_gives_them(tmp_path: Path) -> None:
    home, topic, author, _again = render_all(environment(tmp_path, CARDS["own"][0]))
    assert home.count("<li>") == 3 and "<li>A lead first Topics</li>" in home and "<li>C Topics</li>" in home
    assert "<li>B Topics</li><li>C first Topics</li>" in topic
    assert "<li>C first Own</li><li>A Own</li>" in author  # the page's own t()
    page_kinds = render_all(environment(tmp_path / "page", CARDS["page"][0]))
    assert "<li>C on author</li>" in page_kinds[2] and "<li>C on topic</li>" in page_kinds[3]
    shadowed = render_all(environment(tmp_path / "shadow", CARDS["shadow"][0]))
    assert "<li>C Own</li>" in shadowed[2] and "<li>C Topics</li>" in shadowed[3]


def test_each_card_renders_once_until_the_cards_are_forgotten(tmp_path: Path) -> None:
    env = environment(tmp_path, "<li>{{ tick(entry.title) }}</li>")
    rendered: list[str] = []
    env.globals["tick"] = lambda title: rendered.append(title) or title
    render_all(env)
    # Once each as a lead, as the page's first picture and as neither: A leads the home page, C is
    # the first picture of the other lists; the last list shows the cards the author page made.
    assert sorted(rendered) == ["A", "A", "B", "C", "C"]
    forget_fragments(env)
    render_all(env)
    assert len(rendered) == 10


def test_past_the_budget_the_held_cards_are_let_go_and_made_again(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.render import fragments

    monkeypatch.setattr(fragments, "HELD_BUDGET", 10)  # a few cards' worth of characters
    env = environment(tmp_path, "<li>{{ tick(entry.title) }}</li>")
    rendered: list[str] = []
    env.globals["tick"] = lambda title: rendered.append(title) or title
    first = render_all(env)
    assert len(rendered) > 5  # some were made again after the held ones were let go
    forget_fragments(env)
    monkeypatch.setattr(fragments, "HELD_BUDGET", 10_000_000)
    assert render_all(env) == first  # the same pages either way


def test_the_built_in_card_is_reused_and_reads_only_globals(tmp_path: Path) -> None:
    config, _warnings = load_config("title: T\n", "site.yaml")
    env = make_environment(config, tmp_path)
    card = fragments.fragment_template(env, env.get_template("partials/card.html"), fragments.CARD_GIVEN)
    assert Path(str(card.template.filename)).is_relative_to(DEFAULT_LAYOUTS)
    assert card.reusable
    # "names" is the card's own ({% set names %} in a branch), which Jinja also looks up first.
    assert set(card.reads) - {"names"} <= set(env.globals)


def test_a_card_template_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    env = environment(tmp_path, "<li>{{ entry.title }}</li>")
    assert "<li>B</li>" in render_all(env)[1]
    (tmp_path / "layouts" / "partials" / "card.html").write_text("<li>new {{ entry.title }}</li>", encoding="utf-8")
    assert "<li>new B</li>" in render_all(env)[1]  # auto_reload: Jinja gives a new template, the cards go


def test_an_error_in_a_reused_card_names_the_card_template_and_line(tmp_path: Path) -> None:
    env = environment(tmp_path, "<li>\n{{ entry.title }}\n{{ entry.subtitle.text }}</li>")
    spec = PageSpec("index.html", "page.html", pages()[1], "site.yaml")
    with pytest.raises(BuildError) as reported:
        render_page(env, spec, tmp_path)
    assert [(d.path, d.line) for d in reported.value.diagnostics] == [("layouts/partials/card.html", 3)]


# Related-item templates of a site's own, and whether their items can be reused.
RELATED = {
    "own": ("<li>{{ entry.title }} {{ t('topics') }}</li>", True),
    "page": ("<li>{{ entry.title }} beside {{ article.title }}</li>", True),
    "include": ("<li>{% include 'partials/card.html' %}</li>", False),
}
ARTICLE = ('<ul>{%- set related_html = cached_related(related) %}{%- if related_html is not none %}{{ related_html }}'
           '{%- else %}{% for entry in related %}{% include "partials/related-item.html" %}{% endfor %}{% endif %}</ul>')


@pytest.mark.parametrize("name", sorted(RELATED))
def test_related_briefings_print_the_same_items_as_when_each_page_includes_them(
        tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    item, reusable = RELATED[name]
    write_layouts(tmp_path, {"partials/related-item.html": item, "article.html": ARTICLE,
                             "partials/card.html": "{{ entry.title }} in {{ article.title }}"})
    config, _warnings = load_config("title: T\n", "site.yaml")
    a, b, c = entry("A"), entry("B"), entry("C")
    contexts = [{"article": a, "related": [b, c]}, {"article": b, "related": [c, a]}, {"article": c, "related": [a, b]}]

    def render() -> list[str]:
        env = make_environment(config, tmp_path)
        return [env.get_template("article.html").render(context) for context in contexts]

    env = make_environment(config, tmp_path)
    assert fragments.fragment_template(env, env.get_template("partials/related-item.html")).reusable is reusable
    reused = render()
    assert "<li>C" in reused[0] and reused[0].index("<li>B") < reused[0].index("<li>C")
    monkeypatch.setattr(fragments, "fast_paths_on", lambda: False)
    assert render() == reused


def test_the_built_in_related_item_is_reused(tmp_path: Path) -> None:
    config, _warnings = load_config("title: T\n", "site.yaml")
    env = make_environment(config, tmp_path)
    item = fragments.fragment_template(env, env.get_template("partials/related-item.html"))
    assert item.reusable and set(item.reads) <= set(env.globals)


def test_meta_tags_print_as_the_loop_over_them_does() -> None:
    config, _warnings = load_config("title: T\n", "site.yaml")
    env = make_environment(config, Path("."))
    loop = env.from_string('{% for attribute, key, content in tags %}\n<meta {{ attribute }}="{{ key }}" '
                           'content="{{ content }}">\n{% endfor %}\n')
    joined = env.from_string("{{ meta_tags(tags) -}}\n")
    plain = [("property", "og:title", 'Rates <up> & "down" \'now\''), ("name", "twitter:card", "summary")]
    marked = [*plain, ("name", "twitter:title", Markup("<b>bold</b> &amp;"))]
    for tags in (plain, marked, []):
        assert joined.render(tags=tags) == loop.render(tags=tags)
    assert '<meta property="og:title" content="Rates &lt;up&gt; &amp; &#34;down&#34; &#39;now&#39;">' \
        in joined.render(tags=plain)


# Partials of a site's own in place of the built-in masthead, and whether each is made once per
# equal inputs; "current" is given, the rest comes from the page.
PARTS = {
    "given": ("<p>{{ site.title }} {{ 'here' if current else 'there' }} {{ t('topics') }}</p>", True),
    "page": ("<p>{{ page.kind }} {{ 'here' if current else 'there' }}</p>", True),
    "include": ("<p>{% include 'partials/extra.html' %}</p>", False),
}


@pytest.mark.parametrize("name", sorted(PARTS))
def test_a_cached_fragment_prints_as_an_include_with_what_it_is_given(
        tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    part, reusable = PARTS[name]
    write_layouts(tmp_path, {"partials/part.html": part,
                             "partials/extra.html": "{{ page.kind }} {{ 'here' if current else 'there' }}",
                             "page.html": '{{ cached_fragment("partials/part.html", current=page.kind == "home") }}'})
    config, _warnings = load_config("title: T\n", "site.yaml")
    kinds = ["home", "topic", "author", "home"]
    made: list[str] = []

    def render() -> list[str]:
        env = make_environment(config, tmp_path)
        env.globals["t"] = lambda key: made.append(key) or key.title()
        return [env.get_template("page.html").render(page=SimpleNamespace(kind=kind)) for kind in kinds]

    env = make_environment(config, tmp_path)
    assert fragments.fragment_template(env, env.get_template("partials/part.html"), frozenset({"current"}),
                                       None).reusable is reusable
    reused = render()
    if name == "given":
        assert reused == ["<p>T here Topics</p>", "<p>T there Topics</p>", "<p>T there Topics</p>", "<p>T here Topics</p>"]
        assert made == ["topics", "topics"]  # once for each value of what it is given
    else:
        assert reused[:3] == ["<p>home here</p>", "<p>topic there</p>", "<p>author there</p>"]
    monkeypatch.setattr(fragments, "fast_paths_on", lambda: False)
    assert render() == reused
