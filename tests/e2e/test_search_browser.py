"""Site search in a real browser (headless Chromium) on the sample site served over HTTP.

Every wait is bounded (15 s), so a search that never answers fails instead of hanging.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import needs_chromium
from tests.e2e.helpers import build, copy_sample_site

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
    # Topic filters are offered next to the results.
    expect(page.locator(".pagefind-ui__filter-name", has_text="topic").first).to_be_attached()
