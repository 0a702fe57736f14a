from __future__ import annotations

from tests.conftest import run_cli


def test_builds_an_article_page(make_site, capsys) -> None:
    site = make_site({"content/a.md": """
        ---
        title: Troops "arrive"
        date: 2022-01-09T18:30:00+11:00
        topics: [Kazakhstan]
        ---
        Body text.
        """})
    assert run_cli("build", "--site", str(site)) == 0
    page = site / "public" / "2022" / "01" / "a" / "index.html"
    assert "Troops \u201carrive\u201d" in page.read_text(encoding="utf-8") or "Troops &#34;arrive&#34;" in page.read_text(encoding="utf-8")
    assert (site / "public" / "topics" / "kazakhstan" / "index.html").is_file()
    assert "Built" in capsys.readouterr().out
