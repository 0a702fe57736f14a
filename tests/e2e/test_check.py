"""`newsbite check`: a build in a temporary folder, every internal link resolved (SPEC section 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.helpers import copy_sample_site, front, snapshot


@pytest.mark.parametrize("base_url", [None, "https://example.org/briefings/", "http://127.0.0.1:8765/a/b/"])
def test_the_sample_site_has_no_broken_links(tmp_path: Path, capsys, base_url: str | None) -> None:
    site = copy_sample_site(tmp_path / "sample")
    before = snapshot(site)
    args = ["check", "--site", str(site)] + (["--base-url", base_url] if base_url else [])
    assert run_cli(*args) == 0, capsys.readouterr()
    assert "every internal link resolves" in capsys.readouterr().out
    assert snapshot(site) == before, "check must not write into the site"


def test_a_planted_broken_link_fails_naming_page_target_and_article(make_site, capsys) -> None:
    site = make_site({
        "content/2022/a.md": front({"title": "A", "date": "2022-01-09"},
                                   "See [the map](/2022/01/no-such-briefing/) and [x](missing.pdf).\n"),
        "content/2022/b.md": front({"title": "B", "date": "2022-01-10"}, "Fine: [A](a.md).\n"),
    }, "title: T\nbase_url: https://example.org/briefings/\n")
    assert run_cli("check", "--site", str(site)) == 1
    out = capsys.readouterr().out
    # Site-root links in bodies are put under the base path, so the target carries /briefings/.
    assert "2022/01/a/index.html: broken link -> /briefings/2022/01/no-such-briefing/" in out
    assert "content/2022/a.md" in out
    assert "missing.pdf" in out
    assert "2022/01/b/index.html" not in out
    assert "2 broken links" in out


def test_a_missing_picture_in_a_body_is_an_error_before_any_link_is_checked(make_site, capsys) -> None:
    site = make_site({"content/2022/a.md": front({"title": "A", "date": "2022-01-09"}, "Text.\n\n![x](missing.png)\n")})
    assert run_cli("check", "--site", str(site)) == 1
    assert "content/2022/a.md:7: image 'missing.png' not found next to the article" in capsys.readouterr().err


def test_links_outside_a_subpath_are_broken(make_site, capsys) -> None:
    site = make_site({"content/a.md": front({"title": "A", "date": "2022-01-09"}, "[Up](https://example.org/x/)\n")},
                     "title: T\nbase_url: https://example.org/briefings/\n")
    assert run_cli("check", "--site", str(site)) == 1
    assert "broken link -> https://example.org/x/" in capsys.readouterr().out
    # Built for another host, the same URL is an external link, which check leaves alone.
    assert run_cli("check", "--site", str(site), "--base-url", "https://other.example/") == 0


def test_check_leaves_no_temporary_folder(make_site, tmp_path: Path, monkeypatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    site = make_site({"content/a.md": front({"title": "A", "date": "2022-01-09"})})
    assert run_cli("check", "--site", str(site)) == 0
    assert list(scratch.iterdir()) == []
    assert not (site / "public").exists()


def test_content_errors_exit_1_and_a_missing_site_exits_2(make_site, tmp_path: Path) -> None:
    site = make_site({"content/a.md": "---\ntitle: [unclosed\n---\n"})
    assert run_cli("check", "--site", str(site)) == 1
    assert run_cli("check", "--site", str(tmp_path / "nowhere")) == 2
