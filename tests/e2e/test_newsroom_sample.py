"""The sample site's newsroom: profiles, sources, a correction and an update; no trimmed URL 404s;
the Nu checker finds no error in the new kinds of page (SPEC sections 10 and 11)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import run_cli
from tests.e2e.helpers import output_file, page
from tests.e2e.test_html_validity import check_html, java
from tests.htmltree import parse_file

__all__ = ["java"]  # the fixture

REPO = Path(__file__).resolve().parents[2]
# The theme's static files and the search bundle are assets a page loads, not pages a reader visits.
ASSET_FOLDERS = ("css", "js", "pagefind")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-newsroom") / "public"
    assert run_cli("build", "--site", str(REPO), "--output", str(out), "--no-search") == 0
    return out


def site_urls(out: Path) -> set[str]:
    """Return every site-internal URL path the pages, feeds and sitemaps name."""
    urls: set[str] = set()
    for file in out.rglob("*.html"):
        doc = parse_file(file)
        for el in doc.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value and not value.startswith("#"):
                    urls.add(urlsplit(value).path if "://" not in value or "127.0.0.1:8000" in value else "")
    for file in list(out.rglob("*.xml")):
        text = html.unescape(html.unescape(file.read_text("utf-8")))  # feed content is escaped HTML in XML
        urls.update(urlsplit(m).path for m in re.findall(r"https?://127\.0\.0\.1:8000[^<\"'\s]*", text))
    return {u for u in urls if u.startswith("/")}


def test_no_url_of_the_sample_site_404s_with_any_of_its_path_prefixes_trimmed(sample: Path) -> None:
    urls = site_urls(sample)
    assert "/authors/priya-raman/" in urls and "/2022/01/russia-troops-kazakhstan/" in urls
    missing: list[str] = []
    walked = 0
    for url in sorted(urls):
        parts = [p for p in url.split("/") if p]
        if parts and parts[0] in ASSET_FOLDERS:
            continue
        for depth in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:depth]) + ("/" if depth < len(parts) or url.endswith("/") else "")
            walked += 1
            if not output_file(sample, prefix).is_file():
                missing.append(f"{prefix} (from {url})")
    assert walked > 200
    assert missing == []


def test_the_sample_site_shows_profiles_sources_a_correction_and_an_update(sample: Path) -> None:
    profiles = [page(sample, f"/authors/{slug}/") for slug in ("priya-raman", "tom-whitfield")]
    for doc in profiles:
        assert doc.find("div", **{"class": "profile-bio"}) is not None
        assert doc.find("img", **{"class": "profile-image"}) is not None
    sources = page(sample, "/sources/").one("main").find_all("li")
    assert len(sources) >= 3
    corrected = page(sample, "/2022/11/kazakhstan-snap-election-tokayev/")
    data = json.loads(corrected.one("script", type="application/ld+json").raw_text)
    assert data["correction"][0]["@type"] == "CorrectionComment"
    assert any("sameAs" in person for person in data["author"])
    updated = page(sample, "/2022/01/russia-troops-kazakhstan/")
    assert any(h.text.strip() == "Update" for h in updated.find_all("h2"))
    assert updated.one("p", **{"class": "byline"}).find("a", href="/sources/the-wall-street-journal/") is not None


def test_the_new_kinds_of_page_have_no_html_errors(java: None, sample: Path) -> None:
    check_html(sample, ["authors/priya-raman/index.html", "authors/index.html", "sources/reuters/index.html",
                        "sources/index.html", "2022/index.html", "2022/01/index.html", "archive/index.html",
                        "2022/11/kazakhstan-snap-election-tokayev/index.html",
                        "2022/01/russia-troops-kazakhstan/index.html", "page/index.html"])
