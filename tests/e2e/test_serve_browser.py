"""Live reload in a real browser (headless Chromium): edits, a broken file, its fix, a deletion.

Every wait is bounded (15 s) so a broken reload fails the test instead of hanging it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.conftest import BROWSER_WAIT_MS, needs_chromium
from tests.e2e.serving import SITE_FILES, ServeProcess, article

WAIT_MS = BROWSER_WAIT_MS

pytestmark = needs_chromium


@pytest.fixture
def serving(make_site) -> Iterator[ServeProcess]:
    process = ServeProcess(make_site(SITE_FILES))
    try:
        yield process
    finally:
        status, err = process.stop(signal.SIGINT)
        assert status == 0 and "Traceback" not in err


def mark_page(page) -> None:  # type: ignore[no-untyped-def]
    """Leave a mark in the page's JS state; a reload by the page itself wipes it."""
    page.evaluate("window.__testMark = 'still here'")


def test_edit_break_fix_delete_in_an_open_tab(serving: ServeProcess, chromium_page, make_site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = chromium_page
    source_dir = _site_dir(serving)
    alpha = source_dir / "content/2022/alpha.md"

    page.goto(serving.url + "2022/01/alpha/")
    headline = page.locator("h1").first
    expect(headline).to_have_text("Alpha troops arrive")
    page.wait_for_function("document.querySelector('script[data-epoch]') !== null")
    mark_page(page)

    # 1. Edit the title on disk: the tab shows the new headline without the test reloading it.
    alpha.write_text(article("Alpha troops regroup", ["Kazakhstan", "CSTO"], 9), encoding="utf-8")
    expect(headline).to_have_text("Alpha troops regroup", timeout=WAIT_MS)
    assert page.evaluate("window.__testMark === undefined")  # the page reloaded itself
    mark_page(page)

    # 2. Break the front matter: the tab shows the error naming the file and line.
    long_line = "standfirst: " + "a very long line " * 40
    alpha.write_text(f"---\ntitle: [unclosed\n{long_line}\ndate: 2022-01-09T10:00:00+11:00\n---\nBody\n",
                     encoding="utf-8")
    overlay = page.locator("#newsbite-build-error")
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    expect(overlay).to_contain_text("content/2022/alpha.md:2")  # where the '[' opens
    expect(overlay).to_contain_text("invalid YAML")
    expect(overlay).to_contain_text("title: [unclosed")  # the source lines around the problem
    # Long lines wrap inside the overlay: nothing runs off its right edge.
    assert overlay.evaluate("box => [...box.querySelectorAll('*')].every(el => el.scrollWidth <= el.clientWidth + 1)")
    expect(headline).to_have_text("Alpha troops regroup")  # the last good page stays underneath

    # 3. Fix it: the tab shows the page again, by itself.
    alpha.write_text(article("Alpha troops return", ["Kazakhstan", "CSTO"], 9), encoding="utf-8")
    expect(overlay).to_have_count(0, timeout=WAIT_MS)
    expect(headline).to_have_text("Alpha troops return", timeout=WAIT_MS)

    # 4. Delete an article: its topic page, open in the tab, no longer lists it.
    page.goto(serving.url + "topics/kazakhstan/")
    expect(page.locator("main")).to_contain_text("Bravo talks stall")
    page.wait_for_function("document.querySelector('script[data-epoch]') !== null")
    (source_dir / "content/2022/bravo.md").unlink()
    expect(page.locator("main")).not_to_contain_text("Bravo talks stall", timeout=WAIT_MS)
    expect(page.locator("main")).to_contain_text("Alpha troops return")


def test_new_tab_during_a_broken_build_shows_the_error(serving: ServeProcess, chromium_page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = chromium_page
    source_dir = _site_dir(serving)
    page.goto(serving.url)
    page.wait_for_function("document.querySelector('script[data-epoch]') !== null")
    (source_dir / "content/2022/charlie.md").write_text("---\ntitle: Charlie\ndate: not a date\n---\nx\n", encoding="utf-8")
    expect(page.locator("#newsbite-build-error")).to_contain_text("content/2022/charlie.md:", timeout=WAIT_MS)
    other = page.context.browser.new_page()
    other.goto(serving.url + "topics/")
    expect(other.locator("#newsbite-build-error")).to_contain_text("content/2022/charlie.md:", timeout=WAIT_MS)


def _site_dir(serving: ServeProcess) -> Path:
    line = serving.seen[0]  # "Building <site> into <output> ..."
    return Path(line.removeprefix("Building ").split(" into ")[0])
