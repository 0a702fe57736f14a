"""Site-root links in a body (``/topics/x/``) follow the base path, and the body cache knows it."""

from __future__ import annotations

from tests.conftest import run_cli

ARTICLE = """
    ---
    title: Troops land
    date: 2022-01-09T18:30:00+11:00
    topics: [Kazakhstan]
    ---
    See [all Kazakhstan briefings](/topics/kazakhstan/).
    """


def test_body_links_from_the_site_root_follow_the_base_url(make_site) -> None:
    site = make_site({"content/2022/troops.md": ARTICLE})
    page = site / "public" / "2022" / "01" / "troops" / "index.html"

    assert run_cli("build", "--site", str(site), "--no-search", "--base-url", "https://example.org/briefings/") == 0
    assert 'href="/briefings/topics/kazakhstan/"' in page.read_text(encoding="utf-8")
    assert (site / "public" / "topics" / "kazakhstan" / "index.html").is_file()

    # Same sources, another base path: the cached body must not be reused.
    assert run_cli("build", "--site", str(site), "--no-search", "--base-url", "https://example.org/") == 0
    html = page.read_text(encoding="utf-8")
    assert 'href="/topics/kazakhstan/"' in html and "/briefings/" not in html
