"""The sample site in the repository: every page kind, and every briefing with its full anatomy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import build, page
from tests.htmltree import parse_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "public"
    assert build(REPO, "--output", str(out)) == 0
    return out


def test_every_briefing_has_the_anatomy(sample_out: Path) -> None:
    sources = sorted((REPO / "content").rglob("*.md"))
    assert 8 <= len(sources) <= 12
    articles = [f for f in sample_out.rglob("index.html")
                if any("NewsArticle" in s.raw_text for s in parse_file(f).find_all("script", type="application/ld+json"))]
    assert len(articles) == len(sources)
    for file in articles:
        doc = parse_file(file)
        assert len(doc.find_all("h1")) == 1, file
        assert doc.one("main").find_all("time")[0].get("datetime"), file
        for img in doc.one("main").find_all("img"):
            assert img.get("alt") is not None, file  # empty alt is allowed for decoration, never absent


def test_kazakhstan_briefing_links_its_four_topics(sample_out: Path) -> None:
    doc = page(sample_out, "/2022/01/russia-troops-kazakhstan/")
    assert "Kazakhstan" in doc.one("h1").text
    main = doc.one("main")
    for name, url in (("Vladimir Putin", "/topics/vladimir-putin/"), ("Kazakhstan", "/topics/kazakhstan/"),
                      ("Russia", "/topics/russia/"), ("CSTO", "/topics/csto/")):
        assert any(a.text == name and a.get("href") == url for a in main.find_all("a")), name
        assert [h.text for h in page(sample_out, url).find_all("h1")] == [name]


def test_every_page_kind_is_written(sample_out: Path) -> None:
    for rel in ("index.html", "page/2/index.html", "topics/index.html", "404.html", "2022/01/old-url/index.html"):
        assert (sample_out / rel).is_file(), rel
