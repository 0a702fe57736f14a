"""Every internal link and asset URL resolves to an output file, also under a subpath base_url."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import PHOTO, PHOTO_PNG, build, front
from tests.htmltree import parse_file
from tests.linkcheck import broken_links, internal_urls

REPO = Path(__file__).resolve().parents[2]
SUBPATH = "https://example.org/briefings/"

FILES: dict[str, str | bytes] = {
    "content/2022/a.md": front({
        "date": "2022-01-09T18:30:00+11:00", "title": "A", "topics": ["Kazakhstan", "Zürich"],
        "image": {"src": "troops.jpg", "alt": "Troops", "caption": "C", "credit": "D"},
        "aliases": ["/old/a/"],
    }, "![Map](maps/map.svg)\n\nSee [B](../2023/b.md), [top](#top) and [out](https://example.com/).\n"),
    "content/2022/troops.jpg": PHOTO,
    "content/2022/maps/map.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "content/2023/b.md": front({"date": "2023-03-01", "title": "B", "topics": ["Kazakhstan"], "image": "b.png"},
                               "Back to [A](../2022/a.md#x).\n"),
    "content/2023/b.png": PHOTO_PNG,
    "layouts/static/extra.css": "body{}",
    **{f"content/2021/n{i}.md": front({"date": f"2021-0{i}-01", "title": f"N{i}", "topics": ["Kazakhstan"]}) for i in range(1, 6)},
}


@pytest.mark.parametrize("base_url", [SUBPATH, "https://news.example/"])
def test_every_internal_url_resolves(make_site, base_url: str) -> None:
    site = make_site(FILES, "title: T\nper_page: 2\n")
    assert build(site, "--base-url", base_url) == 0
    out = site / "public"
    assert broken_links(out, base_url) == []
    # The checker really looked: pages, images, styles, pagination and aliases were all seen.
    seen = {url for file in out.rglob("*.html") for _, url in internal_urls(parse_file(file))}
    prefix = "/briefings/" if base_url == SUBPATH else "/"
    for expected in ("2022/troops.", "2022/maps/map.svg", "2023/03/b/", "page/2/", "topics/", "topics/zurich/"):
        assert any(url.startswith(prefix + expected) for url in seen), expected


def test_subpath_prefixes_every_root_relative_url(make_site) -> None:
    site = make_site(FILES)
    assert build(site, "--base-url", SUBPATH) == 0
    for file in (site / "public").rglob("*.html"):
        for what, url in internal_urls(parse_file(file)):
            if url.startswith("/") and not url.startswith("//"):
                assert url.startswith("/briefings/"), f"{file}: {what} {url}"


def test_base_url_from_site_yaml(make_site) -> None:
    site = make_site(FILES, f"title: T\nbase_url: {SUBPATH}\n")
    assert build(site) == 0
    assert broken_links(site / "public", SUBPATH) == []


def test_sample_site_links_resolve_under_a_subpath(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(REPO, "--output", str(out), "--base-url", SUBPATH) == 0
    assert broken_links(out, SUBPATH) == []


@pytest.mark.parametrize("base_url", [SUBPATH, "https://news.example/"])
def test_every_page_is_its_own_canonical(make_site, base_url: str) -> None:
    from tests.linkcheck import page_url

    site = make_site(FILES, "title: T\nper_page: 2\n")
    assert build(site, "--base-url", base_url) == 0
    out = site / "public"
    alias = out / "old" / "a" / "index.html"
    checked = 0
    for file in sorted(out.rglob("*.html")):
        doc = parse_file(file)
        canonicals = [link.get("href") for link in doc.find_all("link", rel="canonical")]
        if file == alias:  # a redirect names the page it points to
            assert canonicals == [base_url + "2022/01/a/"]
            continue
        if file.parent.name == "page":  # <list>/page/ redirects to the list's first page
            assert canonicals == [page_url(out, file.parent.parent / "index.html", base_url)]
            continue
        assert canonicals == [page_url(out, file, base_url)], file.relative_to(out).as_posix()
        checked += 1
    assert checked > 10
