"""NEWSBITE_REFERENCE=1 turns the content layer's fast paths off, and the results stay the same."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from generator.content import articles, quickyaml, slugs, typography, yamltext
from generator.content.config import load_config
from generator.content.fastpaths import SWITCH, fast_paths_on
from generator.content.slugs import make_slug
from generator.content.typography import smarten
from generator.content.yamltext import parse_yaml

FRONT_MATTER = 'title: "Talks resume"\ndate: 2022-01-09\ntopics: [Energy, Kazakhstan]\nimage:\n  src: a.jpg\n'
ARTICLE = "---\n" + FRONT_MATTER + "...\nBody.\n\n---\n\nA rule, not a fence.\n"


def _refusing(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{name} ran with the fast paths off")
    return refuse


def _counting(function: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    def count(*args: Any, **kwargs: Any) -> Any:
        calls.append(function.__name__)
        return function(*args, **kwargs)
    return count


@pytest.mark.parametrize(("value", "on"), [(None, True), ("", True), ("0", True), ("1", False), ("yes", False)])
def test_the_switch_reads_the_environment(value: str | None, on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv(SWITCH, raising=False)
    else:
        monkeypatch.setenv(SWITCH, value)
    fast_paths_on.cache_clear()
    try:
        assert fast_paths_on() is on
    finally:
        monkeypatch.undo()
        fast_paths_on.cache_clear()


def test_front_matter_is_read_by_pyyaml_alone(monkeypatch: pytest.MonkeyPatch, reference_only: None) -> None:
    plain = quickyaml.read_plain_document(FRONT_MATTER)
    assert plain is not None  # a document the fast reader takes when it may
    monkeypatch.setattr(yamltext, "read_plain_document", _refusing("quickyaml"))
    monkeypatch.setattr(yamltext, "_construct", _refusing("the lean constructor"))
    doc = parse_yaml(FRONT_MATTER)
    assert (doc.data, doc.key_lines) == plain


def test_slugs_come_from_python_slugify(monkeypatch: pytest.MonkeyPatch, reference_only: None) -> None:
    calls: list[str] = []
    monkeypatch.setattr(slugs, "slugify", _counting(slugs.slugify, calls))
    assert [make_slug(t) for t in ("already-a-slug", "Plain Words")] == ["already-a-slug", "plain-words"]
    assert calls == ["slugify", "slugify"]


def test_every_text_goes_through_the_typographer(monkeypatch: pytest.MonkeyPatch, reference_only: None) -> None:
    calls: list[str] = []
    monkeypatch.setattr(typography, "_typographer", _counting(typography._typographer, calls))
    assert smarten("Nothing to curl here") == "Nothing to curl here"
    assert calls == ["_typographer"]


def test_the_closing_fence_is_found_by_its_pattern(monkeypatch: pytest.MonkeyPatch, reference_only: None) -> None:
    config, _warnings = load_config("title: T\n", "site.yaml")
    calls: list[str] = []

    class Watched:
        def search(self, text: str, start: int) -> Any:
            calls.append("search")
            return pattern.search(text, start)

        def match(self, text: str, start: int) -> Any:
            calls.append("match")
            return pattern.match(text, start)

    pattern = articles._CLOSE
    monkeypatch.setattr(articles, "_CLOSE", Watched())
    article, diagnostics = articles.parse_article("content/a.md", ARTICLE, config)
    assert article is not None and diagnostics == []
    assert article.title == "Talks resume" and article.body.startswith("Body.\n\n---\n")
    assert calls == ["search"]
