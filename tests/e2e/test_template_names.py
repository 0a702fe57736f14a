"""Templates as an author writes them: missing `extra` keys are empty, other undefined names are
errors in the README's words at the template's line (SPEC section 13)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.e2e.helpers import front, page

ARTICLE = front({"date": "2022-01-09", "title": "A", "kicker": "Exclusive"})
PLAIN = front({"date": "2022-01-08", "title": "B"})


def _article_template(line: str) -> str:
    return '{% extends "base.html" %}\n{% block content %}\n<h1>{{ article.title }}</h1>\n' + line + "\n{% endblock %}\n"


def test_a_missing_extra_key_is_empty_and_false(make_site) -> None:
    template = _article_template(
        '{% if article.extra.kicker %}<p class="kicker">{{ article.extra.kicker }}</p>{% endif %}'
        '<p id="deep">[{{ article.extra.missing.deeper }}][{{ article.extra["missing"] }}]</p>'
        '<p id="site">[{{ site.extra.tagline }}]{% if not site.extra.tagline %}none{% endif %}</p>')
    site = make_site({"content/a.md": ARTICLE, "content/b.md": PLAIN, "layouts/article.html": template})
    assert run_cli("build", "--site", str(site)) == 0
    with_kicker, without = page(site / "public", "/2022/01/a/"), page(site / "public", "/2022/01/b/")
    assert with_kicker.one("p", **{"class": "kicker"}).text == "Exclusive"
    assert without.find("p", **{"class": "kicker"}) is None
    assert without.one("p", id="deep").text == "[][]"
    assert without.one("p", id="site").text == "[]none"


def test_nested_extra_mappings_are_lenient_too(make_site) -> None:
    article = "---\ntitle: A\ndate: 2022-01-09\nbox:\n  colour: red\n---\nBody.\n"
    site = make_site({"content/a.md": article, "layouts/article.html": _article_template(
        '<p id="box">{{ article.extra.box.colour }}|{{ article.extra.box.size }}|</p>')})
    assert run_cli("build", "--site", str(site)) == 0
    assert page(site / "public", "/2022/01/a/").one("p", id="box").text == "red||"


@pytest.mark.parametrize(("line", "message"), [
    ("{{ article.kicker }}", "article has no field 'kicker'; a key of your own is article.extra.kicker"),
    ("{{ article.titel }}", "article has no field 'titel'; did you mean article.title?"),
    ("{{ site.tagline }}", "site has no field 'tagline'; a key of your own is site.extra.tagline"),
    ("{{ page.nope }}", "page has no field 'nope'"),
    ("{% if nothing %}x{% endif %}", "'nothing' is undefined"),
])
def test_other_undefined_names_are_errors_naming_the_template_line_and_the_object(make_site, capsys, line: str,
                                                                                   message: str) -> None:
    site = make_site({"content/a.md": ARTICLE, "layouts/article.html": _article_template(line)})
    assert run_cli("build", "--site", str(site)) == 1
    err = capsys.readouterr().err
    assert err.startswith("layouts/article.html:4: ") and message in err, err
    assert "generator." not in err and "object" not in err  # no Python class names


@pytest.mark.parametrize("tag", ['{% include "partials/nothere.html" %}', '{% import "macros.html" as m %}'])
def test_a_missing_include_names_the_including_template_and_line(make_site, capsys, tag: str) -> None:
    site = make_site({"content/a.md": ARTICLE, "content/b.md": PLAIN, "layouts/article.html": _article_template(tag)})
    assert run_cli("build", "--site", str(site)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("layouts/article.html:4: template '") and "not found" in err[0]
    assert not any(line.startswith("content/") for line in err)  # not blamed on the articles


def test_a_missing_include_in_a_partial_names_the_partial(make_site, capsys) -> None:
    site = make_site({
        "content/a.md": ARTICLE,
        "layouts/partials/card.html": "<article>\n{% include 'partials/gone.html' %}\n</article>\n",
    })
    assert run_cli("build", "--site", str(site)) == 1
    assert capsys.readouterr().err.startswith("layouts/partials/card.html:2: template 'partials/gone.html' not found")
