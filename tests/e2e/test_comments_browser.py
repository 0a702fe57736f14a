"""Comments load lazily in a real browser: nothing reaches the provider until the reader comes near."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import needs_chromium
from tests.e2e.helpers import build, front

pytestmark = needs_chromium

PROVIDER = "http://comments.invalid/"
LONG_BODY = "\n\n".join(f"Paragraph {n} of a long briefing, long enough to need scrolling." for n in range(80)) + "\n"


def site_files(load: str) -> tuple[dict[str, str], str]:
    article = front({"title": "Troops arrive", "date": "2022-01-09T18:30:00+11:00"}, LONG_BODY)
    return {"content/2022/a.md": article}, f"title: T\ncomments:\n  provider: isso\n  url: {PROVIDER}\n  load: {load}\n"


@pytest.mark.parametrize("load", ["scroll", "click"])
def test_provider_is_requested_only_when_the_reader_comes_near_or_asks(
        make_site, static_server, chromium_page, load: str) -> None:  # type: ignore[no-untyped-def]
    base_url, root = static_server
    files, yaml = site_files(load)
    assert build(make_site(files, yaml), "--output", str(root), "--base-url", base_url, "--no-search") == 0
    page = chromium_page
    asked: list[str] = []

    def provider(route) -> None:  # type: ignore[no-untyped-def]
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body="window.__provider = true;")

    page.route(PROVIDER + "**", provider)
    page.goto(base_url + "2022/01/a/")
    page.wait_for_load_state("load")
    assert asked == [], "nothing may reach the provider while the comments are far below"
    page.locator("#comments").scroll_into_view_if_needed()
    if load == "click":
        # Intersection observers report at the next rendering steps: after two frames, any would have.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        assert asked == []
        page.get_by_role("button", name="Show comments").click()
    page.wait_for_function("window.__provider === true")
    assert asked == [PROVIDER + "js/embed.min.js"]
    assert page.locator("#isso-thread").get_attribute("data-isso-id") == "/2022/01/a/"
