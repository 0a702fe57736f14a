"""Details of the built-in theme: digest names for CSS and JS, underlined links in text, the print
stylesheet, typography of topic chips, the search page's type (SPEC sections 1 and 13)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import needs_chromium
from tests.e2e.helpers import build, copy_sample_site, front, page

ARTICLE = front({"date": "2022-01-09", "title": "A", "topics": ["Côte d'Ivoire"]},
                "Read [the report](https://example.org/report) and [older ones](/topics/).\n")
DIGEST_NAME = re.compile(r"^/(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})\.(?P<suffix>css|js)$")


def _references(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)


def test_pages_reference_css_and_js_by_the_digest_of_their_bytes(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site) == 0
    out = site / "public"
    seen = set()
    for html in out.rglob("*.html"):
        for ref in _references(html.read_text(encoding="utf-8")):
            if "/pagefind/" in ref:
                continue  # Pagefind's own files, named by Pagefind
            match = DIGEST_NAME.match(ref)
            assert match, f"{html.relative_to(out)} references {ref} without a digest"
            published = out / ref.lstrip("/")
            digest = hashlib.blake2b(published.read_bytes(), digest_size=16).hexdigest()
            assert digest.startswith(match["digest"])
            # The plain name is published too, with the same bytes, for links made by hand.
            assert (out / f"{match['stem']}.{match['suffix']}").read_bytes() == published.read_bytes()
            seen.add(ref)
    assert any(ref.endswith(".css") for ref in seen) and any(ref.endswith(".js") for ref in seen)


def test_a_changed_stylesheet_gets_a_new_name_in_every_page(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site) == 0
    out = site / "public"
    before = page(out, "/2022/01/a/").find_all("link", rel="stylesheet")[0].get("href")
    static = site / "layouts" / "static" / "css"
    static.mkdir(parents=True)
    (static / "newsbite.css").write_text("body { color: red; }\n", encoding="utf-8")
    assert build(site) == 0
    after = {page(out, url).find_all("link", rel="stylesheet")[0].get("href") for url in ("/", "/2022/01/a/", "/topics/")}
    assert len(after) == 1 and before not in after
    (name,) = after
    assert (out / name.lstrip("/")).read_text(encoding="utf-8") == "body { color: red; }\n"
    assert not (out / before.lstrip("/")).exists()  # the old name is pruned like any unplanned file


def test_digest_names_follow_a_base_url_subpath(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE}, "title: T\nbase_url: https://example.org/briefings/\n")
    assert build(site) == 0
    href = page(site / "public", "/").find_all("link", rel="stylesheet")[0].get("href")
    assert href.startswith("/briefings/css/newsbite.") and (site / "public" / href.removeprefix("/briefings/")).is_file()


def test_topic_chips_get_curly_apostrophes(make_site) -> None:
    site = make_site({"content/a.md": ARTICLE})
    assert build(site) == 0
    chips = [a.text for a in page(site / "public", "/2022/01/a/").find_all("a") if "chip" in (a.get("class") or "")]
    assert chips == ["Côte d’Ivoire"]
    cards = [a.text for a in page(site / "public", "/").find_all("a") if "chip" in (a.get("class") or "")]
    assert cards == ["Côte d’Ivoire"]


@needs_chromium
def test_links_in_text_are_underlined_and_print_shows_their_targets(tmp_path: Path, static_server,
                                                                     chromium_page) -> None:  # type: ignore[no-untyped-def]
    base_url, root = static_server
    site = copy_sample_site(tmp_path / "site")
    (site / "content" / "2022" / "linked.md").write_text(ARTICLE, encoding="utf-8")
    assert build(site, "--output", str(root), "--base-url", base_url) == 0
    browser = chromium_page
    browser.goto(base_url + "2022/01/linked/")
    for link in ("https://example.org/report", "/topics/"):
        style = browser.eval_on_selector(f'.article-body a[href="{link}"]',
                                         "a => getComputedStyle(a).textDecorationLine")
        assert style == "underline", link
    browser.emulate_media(media="print")
    assert browser.eval_on_selector(".masthead-search", "f => getComputedStyle(f).display") == "none"
    after = browser.eval_on_selector('.article-body a[href="https://example.org/report"]',
                                     "a => getComputedStyle(a, '::after').content")
    assert "https://example.org/report" in after


@needs_chromium
def test_the_search_page_uses_the_sites_type(tmp_path: Path, static_server, chromium_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base_url, root = static_server
    assert build(copy_sample_site(tmp_path / "site"), "--output", str(root), "--base-url", base_url) == 0
    browser = chromium_page
    browser.goto(base_url + "search/?q=Kazakhstan")
    title = browser.locator(".pagefind-ui__result-title").first
    expect(title).to_be_visible()
    fonts = browser.evaluate("""() => ({
        title: getComputedStyle(document.querySelector('.pagefind-ui__result-title')).fontFamily,
        input: getComputedStyle(document.querySelector('.pagefind-ui__search-input')).fontFamily,
        headline: getComputedStyle(document.querySelector('.page-title')).fontFamily,
        ui: getComputedStyle(document.querySelector('.masthead-search-input')).fontFamily,
    })""")
    assert fonts["title"] == fonts["headline"]
    assert fonts["input"] == fonts["ui"] and "sans-serif" in fonts["ui"] and fonts["ui"] != "sans-serif"


@pytest.mark.parametrize("selector", [".masthead-search", ".comments"])
def test_the_print_stylesheet_leaves_out_search_and_comments(selector: str) -> None:
    css = (Path(__file__).resolve().parents[2] / "layouts" / "static" / "css" / "newsbite.css").read_text(encoding="utf-8")
    printed = css[css.index("@media print"):]
    hidden = printed[:printed.index("display: none")]
    assert selector in hidden


def test_the_masthead_marks_the_current_page_and_the_footer_lists_the_page_feeds(make_site) -> None:
    """The masthead and footer are made once per build for equal inputs (render/fragments.py):
    each page still shows its own current link and its own feeds."""
    site = make_site({"content/a.md": ARTICLE,
                      "content/b.md": front({"date": "2022-01-10", "title": "B", "topics": ["Ghana"]}, "Text.\n")})
    assert build(site) == 0
    out = site / "public"

    def current(url: str) -> list[str]:
        nav = page(out, url).one("nav", class_="site-nav")
        return [a.text for a in nav.find_all("a") if a.get("aria-current") == "page"]

    def footer_feeds(url: str) -> list[str | None]:
        nav = page(out, url).one("nav", class_="site-footer-nav")
        return [a.get("href") for a in nav.find_all("a") if a.get("type")]

    assert current("/") == ["Latest"] and current("/topics/") == ["Topics"]
    assert current("/2022/01/a/") == [] and current("/topics/ghana/") == []
    assert footer_feeds("/") == ["/feed.xml", "/rss.xml"]
    assert footer_feeds("/topics/ghana/") == ["/topics/ghana/feed.xml", "/topics/ghana/rss.xml"]
    assert footer_feeds("/2022/01/a/") == []
