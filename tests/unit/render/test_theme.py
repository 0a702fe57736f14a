"""The built-in theme as ``newsbite layouts`` shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render.theme import copy_theme_file, theme_templates


def test_each_template_states_its_purpose_and_base_its_blocks() -> None:
    templates = {t.name: t for t in theme_templates()}
    assert {"base.html", "article.html", "list.html", "partials/card.html", "atom.xml", "robots.txt"} <= set(templates)
    assert all(t.purpose and t.purpose.endswith(".") for t in templates.values())
    assert {"title", "head", "masthead", "content", "footer"} <= set(templates["base.html"].blocks)


def test_the_purpose_is_the_first_sentence_of_the_first_comment(tmp_path: Path) -> None:
    (tmp_path / "x.html").write_text("{#- Does a thing. Context: y. -#}\n{% block a %}{% endblock %}", encoding="utf-8")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "s.html").write_text("not a template", encoding="utf-8")
    assert theme_templates(tmp_path) == [("x.html", "Does a thing.", ("a",))]


def test_copy_refuses_unknown_names_and_paths_outside_the_theme(tmp_path: Path) -> None:
    for name in ("nothere.html", "../pyproject.toml", "/etc/hostname"):
        with pytest.raises(LookupError):
            copy_theme_file(name, tmp_path)
    assert not (tmp_path / "layouts").exists()
