"""The template environment: stock Jinja2 on public options, printing values escaped for where they land."""

from __future__ import annotations

import ast
import traceback
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from generator.content.config import load_config
from generator.model.plan import PageSpec
from generator.render import templates
from generator.render.templates import make_environment, render_page

GENERATOR = Path(__file__).resolve().parents[3] / "generator"

TEMPLATES = {
    "value.html": "<p title=\"{{ value }}\">{{ value }}</p>|{{ value ~ '!' }}|{{ [value]|first }}",
    "blocks.html": (
        "{% macro box(x) %}<b>{{ x }}</b>{% endmacro %}"
        "{% set held %}<i>{{ value }}</i>{% endset %}"
        "{{ box(value) }}{{ held }}{{ held|length }}"
        "{% filter upper %}{{ value }}{% endfilter %}"
        "{% autoescape false %}[{{ value }}]{% endautoescape %}"
    ),
    "child.html": "{% extends 'parent.html' %}{% block b %}{{ super() }}<{{ value }}>{% endblock %}",
    "parent.html": "{% block b %}{{ value }}{% endblock %}|{{ self.b() }}",
    "loop.html": (
        "{% for v in [value, 2] %}{% set n = loop.index %}{% include 'card.html' %}{% endfor %}"
        "|{% set held %}{% include 'card.html' %}{% endset %}{{ held }}"
    ),
    "card.html": "<i>{{ value }}</i>{% if n is defined %}<b title=\"{{ n }}\">{{ v }}</b>{% endif %}\n;",
    "plain.txt": "{{ value }}",
    "feed.xml": "<t>{{ value }}</t>",
}

# What each template prints for a value that needs escaping, a Markup value (printed as it is),
# and a number: escaped once in HTML and XML, wherever the value passes through on its way.
EXPECTED = {
    "value.html": ('<p title="&lt;a&gt; &amp; &#34;q&#34;">&lt;a&gt; &amp; &#34;q&#34;</p>|&lt;a&gt; &amp; &#34;q&#34;!'
                   "|&lt;a&gt; &amp; &#34;q&#34;",
                   '<p title="<em>ok</em>"><em>ok</em></p>|<em>ok</em>!|<em>ok</em>',
                   '<p title="7">7</p>|7!|7'),
    "blocks.html": ("<b>&lt;a&gt; &amp; &#34;q&#34;</b><i>&lt;a&gt; &amp; &#34;q&#34;</i>34"
                    '&LT;A&GT; &AMP; &#34;Q&#34;[<a> & "q"]',
                    "<b><em>ok</em></b><i><em>ok</em></i>18<EM>OK</EM>[<em>ok</em>]",
                    "<b>7</b><i>7</i>8" "7[7]"),
    "child.html": ("&lt;a&gt; &amp; &#34;q&#34;<&lt;a&gt; &amp; &#34;q&#34;>|&lt;a&gt; &amp; &#34;q&#34;"
                   "<&lt;a&gt; &amp; &#34;q&#34;>",
                   "<em>ok</em><<em>ok</em>>|<em>ok</em><<em>ok</em>>", "7<7>|7<7>"),
    "plain.txt": ('<a> & "q"', "<em>ok</em>", "7"),
    "feed.xml": ("<t>&lt;a&gt; &amp; &#34;q&#34;</t>", "<t><em>ok</em></t>", "<t>7</t>"),
}
VALUES: list[Any] = ['<a> & "q"', Markup("<em>ok</em>"), 7]


@pytest.fixture
def env(tmp_path: Path) -> jinja2.Environment:
    """The environment make_environment gives a site whose layouts/ holds TEMPLATES."""
    for name, text in TEMPLATES.items():
        (tmp_path / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "layouts" / name).write_text(text, encoding="utf-8")
    config, _warnings = load_config("title: T\n", "site.yaml")
    return make_environment(config, tmp_path)


def test_the_environment_is_stock_jinja_on_public_options(env: jinja2.Environment) -> None:
    assert type(env) is jinja2.Environment
    assert env.finalize is None  # values are made safe where they enter, not at each print
    assert env.code_generator_class is jinja2.Environment.code_generator_class


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_values_print_escaped_once_for_html_and_xml_and_as_they_are_in_text(env: jinja2.Environment, name: str) -> None:
    for value, expected in zip(VALUES, EXPECTED[name]):
        assert env.get_template(name).render(value=value) == expected, value


def test_included_templates_see_the_loop_and_print_escaped(env: jinja2.Environment) -> None:
    assert env.get_template("loop.html").render(value="<x>") == (
        '<i>&lt;x&gt;</i><b title="1">&lt;x&gt;</b>;<i>&lt;x&gt;</i><b title="2">2</b>;|<i>&lt;x&gt;</i>;')


def test_undefined_names_fail(env: jinja2.Environment) -> None:
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("value.html").render()


def test_runtime_errors_name_the_line_they_happen_on(tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "page.html").write_text("<p>{{ value }}</p>\n<p>{{ value }}\n{{ value.missing.deeper }}</p>\n")
    (layouts / "outer.html").write_text("<ul>\n{% for n in [1] %}\n{% include 'page.html' %}\n{% endfor %}\n</ul>\n")
    config, _warnings = load_config("title: T\n", "site.yaml")
    env = make_environment(config, tmp_path)
    with pytest.raises(jinja2.UndefinedError) as caught:
        env.get_template("outer.html").render(value="x")
    frames = [(Path(f.filename).name, f.lineno) for f in traceback.extract_tb(caught.value.__traceback__)
              if f.filename.endswith(".html")]
    assert frames[-2:] == [("outer.html", 3), ("page.html", 3)]
    with pytest.raises(Exception) as reported:
        render_page(env, PageSpec("out/index.html", "outer.html", {"value": "x"}, "content/a.md"), tmp_path)
    assert [(d.path, d.line) for d in reported.value.diagnostics] == [("layouts/page.html", 3)]  # type: ignore[attr-defined]


def test_no_module_imports_private_parts_of_jinja2_or_markupsafe() -> None:
    """Templates compile with stock Jinja2: no code generator of our own, no markupsafe._speedups."""
    private = []
    for path in sorted(GENERATOR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] in ("jinja2", "markupsafe") and (
                        any(p.startswith("_") for p in parts) or parts[1:2] == ["compiler"]):
                    private.append(f"{path.relative_to(GENERATOR.parent)}: {name}")
    assert private == []


def test_theme_strings_are_made_once_and_print_as_made_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    config, _warnings = load_config("title: T\nlanguage: de\nstrings:\n  topics: 'Themen & mehr'\n", "site.yaml")
    env = make_environment(config, Path("."))
    made: list[str] = []
    real = templates.theme_markup
    monkeypatch.setattr(templates, "theme_markup", lambda *args, **values: made.append(args[2]) or real(*args, **values))
    page = env.from_string('{{ t("topics") }}|{{ t("topics") }}|{{ t("briefings", count=2) }}|{{ t("briefings", count=1) }}'
                           '|{{ t("page_of", number=2, total=3) }}|{{ t("by_authors", authors=names) }}')
    first = page.render(names=Markup('<a href="/a/">A</a>'))
    assert first == page.render(names=Markup('<a href="/a/">A</a>'))
    assert first.startswith("Themen &amp; mehr|Themen &amp; mehr|2 Briefings|1 Briefing|")
    assert first.endswith('<a href="/a/">A</a>')
    # Made once each, but the string around markup values, made on every use.
    assert sorted(made) == ["briefings", "briefings", "by_authors", "by_authors", "page_of", "topics"]
