"""Site search in a real browser (headless Chromium) on the sample site served over HTTP.

Every wait is bounded (15 s), so a search that never answers fails instead of hanging.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import needs_chromium
from tests.e2e.helpers import build, copy_sample_site, file_tree
from tests.e2e.serving import start_in_process

KAZAKHSTAN = "Russian paratroopers fly into Kazakhstan"

pytestmark = needs_chromium


@pytest.mark.parametrize("subpath", ["", "briefings/"])
def test_typing_kazakhstan_finds_the_kazakhstan_briefing(tmp_path: Path, static_server, chromium_page, subpath: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    origin, root = static_server
    base_url = origin + subpath
    site = copy_sample_site(tmp_path / "site")
    assert build(site, "--output", str(root / subpath), "--base-url", base_url) == 0
    page = chromium_page
    page.goto(base_url + "search/")
    box = page.locator(".pagefind-ui__search-input")
    box.fill("Kazakhstan")
    result = page.locator(".pagefind-ui__result-link", has_text=KAZAKHSTAN)
    expect(result.first).to_be_visible()
    assert result.first.get_attribute("href") == f"/{subpath}2022/01/russia-troops-kazakhstan/"
    # The result link leads to the briefing itself.
    result.first.click()
    expect(page.locator("h1")).to_contain_text(KAZAKHSTAN)


def test_masthead_box_lands_on_results(tmp_path: Path, static_server, chromium_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base_url, root = static_server
    assert build(copy_sample_site(tmp_path / "site"), "--output", str(root), "--base-url", base_url) == 0
    page = chromium_page
    page.goto(base_url)
    page.fill("#masthead-q", "Kazakhstan")
    page.press("#masthead-q", "Enter")
    expect(page).to_have_url(base_url + "search/?q=Kazakhstan")
    expect(page.locator(".pagefind-ui__result-link", has_text=KAZAKHSTAN).first).to_be_visible()
    # Topic filters are offered next to the results (the UI loads them after the results: on a busy
    # machine that can take longer than expect's default five seconds).
    expect(page.locator(".pagefind-ui__filter-name", has_text="topic").first).to_be_attached(timeout=20_000)


SEED = "content/2022/russia-troops-kazakhstan.md"
SEED_PAGE = "2022/01/russia-troops-kazakhstan/index.html"
OLD_WORD, NEW_WORD = "Zhanaozen", "Quillabamba"  # the seed's oil town, and a word no briefing holds


# The message says how many pages were found; each result fills in its link once its fragment has
# loaded (from any part), so wait for as many links as results shown (the UI shows five at first).
ANSWERED = """() => {
  const message = document.querySelector('.pagefind-ui__message');
  if (!message || message.textContent.includes('Searching')) return false;
  const count = /(\\d+) results? for/.exec(message.textContent);
  const shown = count ? Math.min(Number(count[1]), 5) : 0;
  const results = [...document.querySelectorAll('.pagefind-ui__result')];
  return results.filter(r => r.querySelector('.pagefind-ui__result-link')).length >= shown;
}"""


def results_for(page, url: str, word: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Open the search page at ``url`` with ``?q=word``; return the pages found, once it has answered."""
    page.goto(f"{url}search/?q={word}")
    page.wait_for_selector(".pagefind-ui__message")  # "N results for ..." or "No results for ..."
    page.wait_for_function(ANSWERED)
    hrefs = [link.get_attribute("href") or "" for link in page.locator(".pagefind-ui__result-link").all()]
    return list(dict.fromkeys(href.split("#")[0] for href in hrefs))  # a result's sections link to its page too


def move_word(site: Path) -> None:
    source = site / SEED
    source.write_text(source.read_text(encoding="utf-8").replace(OLD_WORD, NEW_WORD), encoding="utf-8")


@pytest.mark.parametrize("subpath", ["", "briefings/"])
def test_search_spans_every_part_with_filters(tmp_path: Path, static_server, chromium_page, subpath: str,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    from generator.publish import search

    monkeypatch.setattr(search, "PAGES_PER_PART", 2)  # the sample site's 10 briefings in 8 parts
    origin, root = static_server
    base_url = origin + subpath
    assert build(copy_sample_site(tmp_path / "site"), "--output", str(root / subpath), "--base-url", base_url) == 0
    assert len(search.listed_parts((root / subpath / search.PARTS_FILE).read_bytes())) >= 3
    hrefs = results_for(chromium_page, base_url, "Kazakhstan")
    assert f"/{subpath}2022/01/russia-troops-kazakhstan/" in hrefs
    # The three Kazakhstan briefings sit in different parts: each is found, and the topic filter counts all.
    parts = {search.part_of(href.removeprefix(f"/{subpath}") + "index.html", 8) for href in hrefs}
    assert len(hrefs) >= 3 and len(parts) > 1
    chromium_page.locator(".pagefind-ui__filter-name", has_text="topic").first.click()
    label = chromium_page.locator(".pagefind-ui__filter-label", has_text="Kazakhstan").first
    expect(label).to_be_visible()
    # The count sums every part's: the three briefings on Kazakhstan, found in more than one part.
    expect(label).to_have_text("Kazakhstan (3)")
    chromium_page.locator(".pagefind-ui__result-link").first.click()
    expect(chromium_page.locator("h1")).to_contain_text("Kazakhstan")


def test_after_an_edit_the_new_word_is_found_and_the_old_is_not(tmp_path: Path, static_server, chromium_page,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.publish import search

    monkeypatch.setattr(search, "PAGES_PER_PART", 2)
    base_url, root = static_server
    site = copy_sample_site(tmp_path / "site")
    assert build(site, "--output", str(root), "--base-url", base_url) == 0
    assert results_for(chromium_page, base_url, OLD_WORD) == ["/2022/01/russia-troops-kazakhstan/"]
    assert results_for(chromium_page, base_url, NEW_WORD) == []
    before = file_tree(root / search.BUNDLE_DIR)
    move_word(site)
    assert build(site, "--output", str(root), "--base-url", base_url) == 0
    assert results_for(chromium_page, base_url, NEW_WORD) == ["/2022/01/russia-troops-kazakhstan/"]
    assert results_for(chromium_page, base_url, OLD_WORD) == []
    # The parts holding no edited article keep their bytes.
    after = file_tree(root / search.BUNDLE_DIR)
    number = search.part_of(SEED_PAGE, 8)
    edited = f"parts/{number:02d}/" if number else None
    changed = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
    other = [rel for rel in changed if (not rel.startswith(edited) if edited else rel.startswith("parts/"))]
    assert changed and not other, sorted(other)


def test_serve_finds_an_edited_word_within_two_seconds(tmp_path: Path, chromium_page) -> None:  # type: ignore[no-untyped-def]
    site = copy_sample_site(tmp_path / "site")
    server = start_in_process(site)
    try:
        assert results_for(chromium_page, server.url, OLD_WORD) == ["/2022/01/russia-troops-kazakhstan/"]
        move_word(site)
        saved = time.monotonic()
        found: list[str] = []
        while time.monotonic() - saved < 2.0 and not found:
            found = results_for(chromium_page, server.url, NEW_WORD)
        elapsed = time.monotonic() - saved
        assert found == ["/2022/01/russia-troops-kazakhstan/"], f"not found {elapsed:.2f} s after the save"
        assert elapsed <= 2.0
        assert results_for(chromium_page, server.url, OLD_WORD) == []
    finally:
        server.close()
