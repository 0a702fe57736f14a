"""Starting a site: `newsbite init`, the error in a folder that is no site, `newsbite layouts` (SPEC section 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.paths import DEFAULT_LAYOUTS
from tests.conftest import run_cli
from tests.e2e.helpers import page, snapshot


def test_init_writes_a_site_that_builds_at_once(tmp_path: Path, capsys) -> None:
    site = tmp_path / "news"
    assert run_cli("init", str(site)) == 0
    written = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert written[:1] == [".gitignore"] and written[-1] == "site.yaml" and len(written) == 3
    article = written[1]
    assert article.startswith("content/") and article.endswith(".md")
    assert (site / ".gitignore").read_text(encoding="utf-8").splitlines() == ["public/", ".newsbite-cache/"]
    settings = (site / "site.yaml").read_text(encoding="utf-8")
    for key in ("title:", "base_url:", "language:", "timezone:", "description:"):
        assert f"\n{key}" in settings
    assert settings.startswith("#")  # commented for the new author
    assert "newsbite serve" in capsys.readouterr().out

    assert run_cli("build", "--site", str(site)) == 0
    home = page(site / "public", "/")
    assert home.find("h1").text.strip() == "Latest briefings"
    headline = home.find_all("h2")[0]
    assert headline.text.strip() == "Welcome to your briefings"
    link = headline.find("a").get("href")
    assert page(site / "public", link).find("h1").text.strip() == "Welcome to your briefings"


def test_init_in_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("init") == 0
    assert (tmp_path / "site.yaml").is_file() and (tmp_path / "content").is_dir()
    assert run_cli("build") == 0


@pytest.mark.parametrize("existing", ["site.yaml", "content/a.md"])
def test_init_refuses_a_folder_holding_a_site_and_changes_nothing(tmp_path: Path, capsys, existing: str) -> None:
    site = tmp_path / "old"
    (site / existing).parent.mkdir(parents=True, exist_ok=True)
    (site / existing).write_text("title: Mine\n", encoding="utf-8")
    before = snapshot(site)
    assert run_cli("init", str(site)) == 1
    assert snapshot(site) == before
    err = capsys.readouterr().err
    assert str(site.resolve()) in err and "already holds a site" in err


def test_init_keeps_an_existing_gitignore_and_adds_its_lines(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.swp\npublic/\n", encoding="utf-8")
    assert run_cli("init", str(tmp_path)) == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "*.swp\npublic/\n.newsbite-cache/\n"


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_a_folder_without_site_yaml_or_content_is_an_error_suggesting_init(tmp_path: Path, capsys,
                                                                          command: str) -> None:
    empty = tmp_path / "typo"
    empty.mkdir()
    assert run_cli(command, "--site", str(empty)) == 1
    err = capsys.readouterr().err
    assert str(empty.resolve()) in err and "newsbite init" in err
    assert list(empty.iterdir()) == []  # nothing published


def test_a_folder_with_content_only_still_builds(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text("---\ntitle: A\ndate: 2022-01-09\n---\nBody.\n", encoding="utf-8")
    assert run_cli("build", "--site", str(tmp_path)) == 0


def test_layouts_lists_every_built_in_template_with_its_purpose(tmp_path: Path, capsys) -> None:
    assert run_cli("layouts", "--site", str(tmp_path)) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    templates = [p.relative_to(DEFAULT_LAYOUTS).as_posix() for p in DEFAULT_LAYOUTS.rglob("*")
                 if p.is_file() and not p.relative_to(DEFAULT_LAYOUTS).parts[0] == "static"
                 and p.suffix in (".html", ".xml", ".txt")]
    assert templates and all(name in lines for name in templates)
    for name in templates:
        assert len(lines[name].split(None, 1)) == 2, f"{name} has no purpose line"
    for block in ("head", "masthead", "footer", "content"):
        assert block in lines["base.html"]
    assert "static/css/newsbite.css" in lines


def test_layouts_copy_puts_the_built_in_template_into_layouts_and_never_overwrites(make_site, capsys) -> None:
    site = make_site({})
    assert run_cli("layouts", "--site", str(site), "--copy", "article.html", "partials/card.html") == 0
    for name in ("article.html", "partials/card.html"):
        assert (site / "layouts" / name).read_bytes() == (DEFAULT_LAYOUTS / name).read_bytes()
    (site / "layouts" / "article.html").write_text("mine", encoding="utf-8")
    assert run_cli("layouts", "--site", str(site), "--copy", "article.html") == 1
    assert (site / "layouts" / "article.html").read_text(encoding="utf-8") == "mine"
    assert run_cli("layouts", "--site", str(site), "--copy", "nothere.html") == 2
    assert "nothere.html" in capsys.readouterr().err
    capsys.readouterr()
    assert run_cli("layouts", "--site", str(site)) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "article.html" in line]
    assert listed and "your copy" in listed[0]


def test_a_block_filled_by_a_site_template_replaces_the_masthead_and_footer(make_site) -> None:
    site = make_site({
        "content/a.md": "---\ntitle: A\ndate: 2022-01-09\n---\nBody.\n",
        "layouts/article.html": (
            '{% extends "base.html" %}'
            '{% block head %}<link rel="stylesheet" href="/extra.css">{% endblock %}'
            '{% block masthead %}<header id="mine">Masthead</header>{% endblock %}'
            '{% block footer %}<footer id="my-footer">Foot</footer>{% endblock %}'
            '{% block content %}<h1>{{ article.title }}</h1>{% endblock %}'
        ),
    })
    assert run_cli("build", "--site", str(site)) == 0
    doc = page(site / "public", "/2022/01/a/")
    assert doc.find("head").find_all("link", rel="stylesheet")[-1].get("href") == "/extra.css"
    assert doc.find("header").get("id") == "mine" and doc.find("footer").get("id") == "my-footer"
