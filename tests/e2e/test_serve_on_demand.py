"""The dev server answers before its first build is done: pages are made from the plan on request.

Each test holds a stage of the first build (a gate in front of it, in this process) so the order
of events is certain without any timing: a page is answered while the build cannot have
published anything, and the finished build is then shown to serve the very same bytes.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from generator.build import pipeline
from generator.serve import devpage
from generator.serve.server import DevServer, ServeOptions
from tests.e2e.serving import DEADLINE, SITE_FILES, Response, ServeProcess, fetch

PATHS = ("", "2022/01/alpha/", "topics/kazakhstan/", "topics/", "feed.xml", "sitemap.xml", "css/newsbite.css",
         "2022/map.svg", "no/such/page/", "2022/01/alph/", "topics/kazakhstan")
MISSING = ("2022/01/zulu/", "css/newsbite.css/", "2022/01/alpha/index.html/")
ASSET = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"3\"/>\n"


class Gate:
    """Holds one stage of the build (a function ``pipeline`` calls) until opened; never past DEADLINE."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()
        real: Callable[..., Any] = getattr(pipeline, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            self.reached.set()
            self.opened.wait(DEADLINE)
            return real(*args, **kwargs)

        monkeypatch.setattr(pipeline, name, held)

    def wait_reached(self) -> None:
        assert self.reached.wait(DEADLINE), "the build never reached the gate"


@contextmanager
def first_build_in_background(site: Path, *gates: Gate) -> Iterator[tuple[DevServer, threading.Thread]]:
    """Yield a listening server whose first build runs on a thread of its own."""
    server = DevServer(ServeOptions(site_dir=site, port=0, quiet=0.05), emit=lambda line: None)
    server.listen()
    builder = threading.Thread(target=server.build_first, name="test-first-build", daemon=True)
    builder.start()
    try:
        yield server, builder
    finally:
        for gate in gates:
            gate.opened.set()
        builder.join(DEADLINE)
        server.close()


def fetch_in_background(url: str) -> tuple[threading.Thread, list[Response]]:
    answers: list[Response] = []
    thread = threading.Thread(target=lambda: answers.append(fetch(url)), daemon=True)
    thread.start()
    return thread, answers


def site_with_asset(make_site) -> Path:  # type: ignore[no-untyped-def]
    echo = "---\ntitle: Echo\ndate: 2022-01-13T10:00:00+11:00\ntopics: [Energy]\n---\nThe ![map](map.svg).\n"
    return make_site({**SITE_FILES, "content/2022/echo.md": echo, "content/2022/map.svg": ASSET})


def test_pages_are_answered_before_the_first_build_renders_with_its_bytes(make_site, monkeypatch) -> None:
    rendering = Gate(monkeypatch, "render_pages")
    with first_build_in_background(site_with_asset(make_site), rendering) as (server, builder):
        rendering.wait_reached()  # planned; not one page rendered by the build yet
        early = {path: fetch(server.url + path) for path in PATHS}
        assert not server.board.current().has_output
        assert not (server.output_dir / "index.html").exists()
        rendering.opened.set()
        builder.join(DEADLINE)
        assert server.board.current().has_output
        late = {path: fetch(server.url + path) for path in PATHS}
        epoch = server.board.current().epoch
        home = (server.output_dir / "index.html").read_bytes()
    assert b"Alpha troops arrive" in early[""].body and b"Echo" in early[""].body
    assert early["2022/map.svg"].body == ASSET
    for path in PATHS:
        assert (early[path].status, early[path].headers.get("content-type"), early[path].body) == \
               (late[path].status, late[path].headers.get("content-type"), late[path].body), path
    assert early[""].body == devpage.inject_reload_script(home, epoch)  # the script as on any served page
    assert early["topics/kazakhstan"].status == 301
    style = early["css/newsbite.css"]
    assert style.status == 200 and style.headers["content-type"].startswith("text/css")


def test_a_missing_page_is_a_404_from_the_plan_as_after_the_build(make_site, monkeypatch) -> None:
    rendering = Gate(monkeypatch, "render_pages")
    with first_build_in_background(make_site(SITE_FILES), rendering) as (server, builder):
        rendering.wait_reached()
        missing = [fetch(server.url + path) for path in MISSING]
        assert not server.board.current().has_output
        rendering.opened.set()
        builder.join(DEADLINE)
        after = [fetch(server.url + path) for path in MISSING]
    assert [reply.status for reply in missing] == [404, 404, 404]
    assert b"We couldn\xe2\x80\x99t find that page" in missing[0].body  # the site's own 404 page
    assert [(reply.status, reply.body) for reply in missing] == [(reply.status, reply.body) for reply in after]


def test_a_request_before_the_plan_waits_for_it(make_site, monkeypatch) -> None:
    planning = Gate(monkeypatch, "plan_artifacts")
    rendering = Gate(monkeypatch, "render_pages")
    with first_build_in_background(make_site(SITE_FILES), planning, rendering) as (server, _builder):
        planning.wait_reached()
        thread, answers = fetch_in_background(server.url + "2022/01/alpha/")
        thread.join(0.5)
        assert thread.is_alive() and not answers, "answered before the site was planned"
        planning.opened.set()
        thread.join(DEADLINE)
        assert not rendering.opened.is_set() and not server.board.current().has_output
    assert answers[0].status == 200 and b"Alpha troops arrive" in answers[0].body


def test_a_page_whose_template_fails_gets_the_builds_outcome(make_site, monkeypatch) -> None:
    broken = '{% extends "base.html" %}\n{% block content %}\n{{ article.title.no_such.deeper }}\n{% endblock %}\n'
    rendering = Gate(monkeypatch, "render_pages")
    site = make_site({**SITE_FILES, "layouts/article.html": broken})
    with first_build_in_background(site, rendering) as (server, builder):
        rendering.wait_reached()
        home = fetch(server.url)
        thread, answers = fetch_in_background(server.url + "2022/01/alpha/")
        thread.join(0.5)
        assert thread.is_alive() and not answers, "a page that cannot render was answered before the build ended"
        rendering.opened.set()
        thread.join(DEADLINE)
        builder.join(DEADLINE)
        state = server.board.current()
    assert home.status == 200 and b"Alpha troops arrive" in home.body
    assert answers[0].status == 500 and b"layouts/article.html:3" in answers[0].body
    assert state.problems and not state.has_output


def test_the_address_is_told_before_the_first_build_ends(make_site) -> None:
    process = ServeProcess(make_site(SITE_FILES))
    try:
        process.wait_for_line("Initial build")
        assert fetch(process.url + "2022/01/alpha/").status == 200
    finally:
        process.stop()
    serving = next(n for n, line in enumerate(process.seen) if line.startswith("Serving at "))
    built = next(n for n, line in enumerate(process.seen) if "Initial build" in line)
    assert serving < built
