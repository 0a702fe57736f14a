"""PageEnvironment prints exactly what a stock Jinja environment with the same settings prints."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from generator.render.printing import PageEnvironment, printable

TEMPLATES = {
    "value.html": "<p title=\"{{ value }}\">{{ value }}</p>|{{ value ~ '!' }}|{{ [value]|first }}",
    "blocks.html": (
        "{% macro box(x) %}<b>{{ x }}</b>{% endmacro %}"
        "{% set held %}<i>{{ value }}</i>{% endset %}"
        "{{ box(value) }}{{ held }}{{ held|length }}"
        "{% filter upper %}{{ value }}{% endfilter %}"
        "{% autoescape false %}[{{ value }}]{% endautoescape %}"
        "{% autoescape flag %}({{ value }}){% endautoescape %}"
    ),
    "child.html": "{% extends 'parent.html' %}{% block b %}{{ super() }}<{{ value }}>{% endblock %}",
    "parent.html": "{% block b %}{{ value }}{% endblock %}|{{ self.b() }}",
    "inc.html": "{% include 'value.html' %}",
    "loop.html": (
        "{% for v in [value, 2] %}{% set n = loop.index %}{% include 'card.html' %}{% endfor %}"
        "|{% set held %}{% include 'card.html' %}{% endset %}{{ held }}|{{ held|length }}"
        "{% macro boxed() %}[{% include 'card.html' %}]{% endmacro %}{{ boxed() }}"
    ),
    "card.html": "<i>{{ value }}</i>{% if n is defined %}<b title=\"{{ n }}\">{{ v }}</b>{% endif %}\n",
    "plain.txt": "{{ value }}",
    "feed.xml": "<t>{{ value }}</t>",
}

VALUES: list[Any] = [
    "plain", "<a href='x'>&\"", "tab\tnew\nline", "bell\x07 and \x0b\ufffe", "\udcff", "nbsp\u00a0",
    Markup("<em>safe</em>\x01"), Markup("ok"), 7, 2.5, None, True, ("t",), {"k": "<v>"},
    "<p>long & \x02 text</p>\n" * 200, Markup("<p>long markup</p>\x03\n" * 200),  # kept once escaped
]


def _environment(kind: type[jinja2.Environment]) -> jinja2.Environment:
    return kind(
        loader=jinja2.DictLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=printable,
    )


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_output_as_stock_jinja(name: str, value: Any) -> None:
    stock, ours = _environment(jinja2.Environment), _environment(PageEnvironment)
    for flag in (True, False):
        expected = stock.get_template(name).render(value=value, flag=flag)
        assert ours.get_template(name).render(value=value, flag=flag) == expected


def test_autoescaped_values_compile_to_one_call() -> None:
    source = _environment(PageEnvironment).compile("{{ value }}", "t.html", raw=True)
    assert "environment.print_escaped(" in source and "escape(" not in source.split("def root", 1)[1]


def test_runs_of_output_and_includes_are_yielded_whole() -> None:
    source = _environment(PageEnvironment).compile(TEMPLATES["loop.html"] + "<p>{{ value }}</p>", "t.html", raw=True)
    assert 'yield "".join((' in source and 'yield "".join(template.root_render_func(' in source
    assert "for event in" not in source


def test_undefined_names_still_fail() -> None:
    with pytest.raises(jinja2.UndefinedError):
        _environment(PageEnvironment).get_template("value.html").render()


def test_long_texts_print_the_same_however_often_and_in_whatever_order() -> None:
    stock, ours = _environment(jinja2.Environment), _environment(PageEnvironment)
    texts = [f"<b>{n}</b> & more\n" * 300 for n in range(150)]  # more than an environment keeps
    for value in texts + texts[::-1] + texts:
        assert ours.get_template("feed.xml").render(value=value) == stock.get_template("feed.xml").render(value=value)


def test_runtime_errors_name_the_line_they_happen_on(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ value }}</p>\n<p>{{ value }}\n{{ value.missing.deeper }}</p>\n")
    (tmp_path / "outer.html").write_text("<ul>\n{% for n in [1] %}\n{% include 'page.html' %}\n{% endfor %}\n</ul>\n")
    for kind in (jinja2.Environment, PageEnvironment):
        env = kind(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True, undefined=jinja2.StrictUndefined,
                   finalize=printable)
        with pytest.raises(jinja2.UndefinedError) as caught:
            env.get_template("outer.html").render(value="x")
        frames = [(Path(f.filename).name, f.lineno) for f in traceback.extract_tb(caught.value.__traceback__)
                  if f.filename.endswith(".html")]
        assert frames[-2:] == [("outer.html", 3), ("page.html", 3)], kind
