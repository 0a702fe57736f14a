"""``templates.TemplateReferences``: what each template names, noted by the parse that compiles it,
must be what Jinja's own ``meta.find_referenced_templates`` finds (the page keys' template closures)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.meta
import pytest

from generator.content.config import SiteConfig
from generator.render.templates import TemplateReferences, make_environment, referenced_templates, template_names

CASES = {
    "literal.html": '{%- extends "base.html" %}{% block x %}{% include "partials/card.html" %}{% endblock %}',
    "list.html": "{% include ['a.html', \"b\" 'c.html', other] ignore missing with context %}",
    "imports.html": '{% from "m.html" import x as y %}{% import "n.html" as n with context %}',
    "hidden.html": '{# {% include "comment.html" %} #}{% raw %}{% include "raw.html" %}{% endraw %}',
    "expression.html": '{% extends "a.html" if wide else "b.html" %}{% include name %}',
    "none.html": "<p>{{ title }}</p>{% if x %}{% set y = 'a.html' %}{% endif %}",
}


def jinja_finds(env: jinja2.Environment, source: str) -> list[str | None]:
    return list(jinja2.meta.find_referenced_templates(env.parse(source)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_noted_names_are_jinjas_own(name: str) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader(CASES), extensions=[TemplateReferences])
    assert referenced_templates(env, name) is None  # not parsed yet
    env.get_template(name)
    assert referenced_templates(env, name) == jinja_finds(env, CASES[name])


def test_every_built_in_template_is_noted_as_jinja_finds_it(tmp_path: Path) -> None:
    env = make_environment(SiteConfig(), tmp_path)
    names = template_names(env)
    assert len(names) > 15
    for name in names:
        env.get_template(name)
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        assert referenced_templates(env, name) == jinja_finds(env, source), name


def test_the_page_keys_closures_take_no_second_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import pages

    env = make_environment(SiteConfig(), tmp_path)
    parsed: list[str] = []
    monkeypatch.setattr(pages, "_referenced_templates", lambda env, source: parsed.append(source) or [])
    keys = pages.template_keys(env, {"article.html", "list.html"})
    assert parsed == [] and set(keys) == {"article.html", "list.html"}
    assert keys["article.html"] != keys["list.html"]
