"""Exit statuses and the build summary (SPEC section 6)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli
from tests.e2e.helpers import build, front


def test_success_prints_a_summary(make_site, capsys) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "topics": ["X", "Y"]})})
    assert build(site) == 0
    out = capsys.readouterr().out
    assert re.search(r"\b1 article\b", out) and re.search(r"\b2 topics\b", out) and re.search(r"\d+ pages", out)


def test_missing_site_folder_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert build(tmp_path / "nowhere") == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_unknown_option_is_a_usage_error(make_site) -> None:
    assert build(make_site({}), "--no-such-option") == 2


def test_warnings_pass_unless_strict(make_site, capsys) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "tittle": "typo"})})
    assert build(site) == 0
    assert "content/a.md:4: warning: unknown key 'tittle'" in capsys.readouterr().err
    assert build(site, "--strict") == 1


def test_content_error_is_exit_1_with_path_and_line(make_site, capsys) -> None:
    site = make_site({"content/a.md": "---\ntitle: A\ndate: 2022-01-09\ndraft: perhaps\n---\n"})
    assert build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == "content/a.md:4: 'draft' must be true or false"


def test_python_dash_m_generator_is_the_same_cli(make_site) -> None:
    import subprocess
    import sys

    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A"})})
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (site / "public" / "2022" / "01" / "a" / "index.html").is_file()
    assert done.stdout.startswith("Built ") and done.stdout.endswith("removed.\n")  # piped output all there
    assert run_cli("--version") == 0
    (site / "content" / "b.md").write_text("---\ntitle: B\n---\n", encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)], capture_output=True,
                            text=True)
    assert failed.returncode == 1 and failed.stderr.endswith("the previous output was left as it was.\n")


def test_bad_base_url_option_is_a_usage_error(make_site, capsys) -> None:
    assert build(make_site({}), "--base-url", "example.org/briefings") == 2
    err = capsys.readouterr().err
    assert "--base-url" in err and "site.yaml" not in err


def test_warnings_are_shown_with_the_errors_that_stop_a_build(make_site, capsys) -> None:
    site = make_site({
        "content/a.md": front({"date": "2022-01-09", "title": "A", "tittle": "typo"}),
        "content/b.md": "---\ntitle: B\ndate: 2022-01-09\ndraft: perhaps\n---\n",
    })
    assert build(site) == 1
    err = capsys.readouterr().err.splitlines()
    assert "content/a.md:4: warning: unknown key 'tittle'; did you mean 'title'?" in err
    assert "content/b.md:4: 'draft' must be true or false" in err
    assert err[-1] == "Build failed: 1 problem and 1 warning; the previous output was left as it was."


def test_warnings_are_shown_when_a_template_stops_the_build(make_site, capsys) -> None:
    site = make_site({
        "content/a.md": front({"date": "2022-01-09", "title": "A", "tittle": "typo"}),
        "layouts/article.html": "{{ nothing_here }}",
    }, "title: T\nper_pag: 3\n")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "content/a.md:4: warning: unknown key 'tittle'" in err and "site.yaml:2: warning: unknown key 'per_pag'" in err
    assert "layouts/article.html:1: " in err and "'nothing_here' is undefined" in err
