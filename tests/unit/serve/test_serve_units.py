"""Pure parts of the dev server: change classification, request paths, types, page injection, debounce."""

from __future__ import annotations

import json
import threading

import pytest

from generator.diagnostics import error
from generator.serve import devpage
from generator.serve.devhttp import StateBoard
from generator.serve.urlpaths import RequestPath, content_type, normalise_request_path
from generator.serve.watcher import (
    Change,
    ChangeKind,
    Rebuilder,
    classify,
    describe,
    relative_source_path,
)
from tests.e2e.serving import wait_for

K = ChangeKind


@pytest.mark.parametrize("path, kind", [
    ("site.yaml", K.CONFIG),
    ("./site.yaml", K.CONFIG),
    ("content/2022/a.md", K.CONTENT),
    ("content/2022/chart.svg", K.CONTENT),  # assets change link resolution, so they rebuild pages
    ("content", K.CONTENT),
    ("content/2022", K.CONTENT),
    ("layouts/article.html", K.LAYOUT),
    ("layouts/partials/card.html", K.LAYOUT),
    ("layouts/static/css/site.css", K.STATIC),
    ("layouts", K.LAYOUT),
    ("content/2022/.a.md.swp", K.IGNORED),
    ("content/2022/a.md~", K.IGNORED),
    ("content/2022/.#a.md", K.IGNORED),
    ("content/2022/#a.md#", K.IGNORED),
    ("content/2022/4913", K.IGNORED),
    ("content/2022/a.md.tmp", K.IGNORED),
    ("content/2022/a.md___jb_tmp___", K.IGNORED),
    ("content/.git/index", K.IGNORED),
    ("layouts/.DS_Store", K.IGNORED),
    ("public/index.html", K.IGNORED),
    ("README.md", K.IGNORED),
    ("site.yaml.bak", K.IGNORED),
    ("..", K.IGNORED),
    ("", K.IGNORED),
    ("content\\2022\\a.md", K.CONTENT),
])
def test_classify(path: str, kind: ChangeKind) -> None:
    assert classify(path) is kind


def test_relative_source_path() -> None:
    assert relative_source_path("/s", "/s/content/a.md") == "content/a.md"
    assert relative_source_path("/s", "/other/a.md") == ".."


def test_describe() -> None:
    assert describe([Change("content/b.md", K.CONTENT)]) == "content/b.md"
    many = [Change(f"content/{n}.md", K.CONTENT) for n in "abc"]
    assert describe(many) == "content/a.md and 2 more files"
    # sed -i and some editors write a temporary file and move it over the article: name the article.
    saved = [Change("content/2020/sedM7ForY", K.CONTENT), Change("content/2020/story.md", K.CONTENT)]
    assert describe(saved) == "content/2020/story.md"
    assert describe([Change("layouts/base.html", K.LAYOUT), Change("content/z.md", K.CONTENT)]) == \
        "content/z.md and 1 more file"
    assert describe([Change("content/2020/sedM7ForY", K.CONTENT)]) == "content/2020/sedM7ForY"


@pytest.mark.parametrize("target, rel, slash", [
    ("/", "", True),
    ("/topics/x/", "topics/x", True),
    ("/topics/x", "topics/x", False),
    ("/topics/x/index.html", "topics/x/index.html", False),
    ("/../../etc/passwd", "etc/passwd", False),
    ("/%2e%2e/%2e%2e/etc/passwd", "etc/passwd", False),
    ("/..%2f..%2fetc%2fpasswd", "etc/passwd", False),
    ("/%2E%2E%2F%2E%2E%2Fetc", "etc", False),
    ("/%252e%252e/etc", "%2e%2e/etc", False),  # decoded once: a literal, harmless name
    ("/a\\..\\..\\b", "b", False),
    ("/a/./b/../c", "a/c", False),
    ("/a/b/..", "a", True),
    ("//a//b", "a/b", False),
    ("/caf%C3%A9/", "café", True),
    ("/x?y=1#frag", "x", False),
    ("http://host/a/b?q", "a/b", False),
])
def test_normalise_request_path(target: str, rel: str, slash: bool) -> None:
    path = normalise_request_path(target)
    assert path is not None
    assert (path.rel, path.slash) == (rel, slash)
    assert not path.rel.startswith("/") and ".." not in path.rel.split("/")


@pytest.mark.parametrize("target", ["*", "etc/passwd", "file:///etc/passwd", "/a%00b", "/a\x00b", "/%ff%fe", "/a%0d%0aSet-Cookie:x"])
def test_normalise_rejects(target: str) -> None:
    assert normalise_request_path(target) is None


def test_query_is_kept_and_url_path_is_encoded() -> None:
    path = normalise_request_path("/a b/c?page=2")
    assert path == RequestPath("a b/c", False, "page=2")
    assert path.url_path() == "/a%20b/c"
    assert RequestPath("", True).url_path() == "/"


@pytest.mark.parametrize("name, expected", [
    ("index.html", "text/html; charset=utf-8"),
    ("site.css", "text/css; charset=utf-8"),
    ("logo.SVG", "image/svg+xml"),
    ("atom.xml", "application/xml; charset=utf-8"),
    ("data.json", "application/json"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("photo.jpg", "image/jpeg"),
    ("blob.unknownext", "application/octet-stream"),
])
def test_content_type(name: str, expected: str) -> None:
    assert content_type(name) == expected


def test_inject_before_last_body_end() -> None:
    page = b"<html><body><p>x</p><!-- </body> --></BODY ></html>"
    out = devpage.inject_reload_script(page, 7)
    tag = devpage.script_tag(7)
    assert out.count(tag) == 1
    assert out.index(tag) < out.index(b"</BODY >") and out.index(tag) > out.index(b"<!--")


def test_inject_appends_without_body() -> None:
    assert devpage.inject_reload_script(b"<p>x</p>", 1).endswith(devpage.script_tag(1))


def test_state_message_is_one_sse_event() -> None:
    message = devpage.state_message(3, [error("content/a.md", 4, "bad </script> value\nnext")])
    assert message.startswith(b"event: state\ndata: ") and message.endswith(b"\n\n")
    assert message.count(b"\n") == 3  # the data is one line, whatever the message holds
    data = json.loads(message.split(b"data: ")[1])
    assert data == {"epoch": 3, "problems": [
        {"path": "content/a.md", "line": 4, "message": "bad </script> value\nnext", "excerpt": []}]}


def test_source_excerpt_and_its_message() -> None:
    text = "---\ntitle: [x\ndate: 2022\n---\nBody\n"
    excerpt = devpage.source_excerpt(text, 2)
    assert excerpt == ((1, "---"), (2, "title: [x"), (3, "date: 2022"), (4, "---"))
    assert devpage.source_excerpt(text, 99) == ()
    assert devpage.source_excerpt("x" * 5000, 1)[0][1] == "x" * devpage.EXCERPT_WIDTH
    data = json.loads(devpage.state_message(1, [error("content/a.md", 2, "bad")], [excerpt]).split(b"data: ")[1])
    assert data["problems"][0]["excerpt"][1] == [2, "title: [x"]


def test_error_page_escapes() -> None:
    page = devpage.error_page([error("content/<a>.md", 2, "<script>alert(1)</script>")], 0,
                              [((1, "---"), (2, "title: <script>x</script>"))])
    assert b"<script>alert(1)" not in page and b"<script>x" not in page
    assert b"content/&lt;a&gt;.md:2" in page
    assert b"<span class=here>> 2 | title: &lt;script&gt;x&lt;/script&gt;</span>" in page


def test_rebuilder_turns_a_burst_into_one_build() -> None:
    batches: list[frozenset[Change]] = []
    built = threading.Event()

    def build(batch: frozenset[Change]) -> None:
        batches.append(batch)
        built.set()

    rebuilder = Rebuilder(build, quiet=0.5)
    rebuilder.start()
    try:
        for n in range(20):
            rebuilder.notify([Change(f"content/{n}.md", K.CONTENT), Change(f"content/.{n}.swp", K.IGNORED)])
        assert built.wait(15)
    finally:
        rebuilder.close()
    assert len(batches) == 1
    assert {c.path for c in batches[0]} == {f"content/{n}.md" for n in range(20)}


def test_rebuilder_survives_a_failing_build() -> None:
    calls: list[int] = []
    second = threading.Event()

    def build(batch: frozenset[Change]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        second.set()

    rebuilder = Rebuilder(build, quiet=0.01)
    rebuilder.start()
    try:
        rebuilder.notify([Change("content/a.md", K.CONTENT)])
        for _ in range(1500):
            if calls:
                break
            threading.Event().wait(0.01)
        rebuilder.notify([Change("content/b.md", K.CONTENT)])
        assert second.wait(15)
    finally:
        rebuilder.close()


def test_state_board_wakes_waiters() -> None:
    board = StateBoard()
    start = board.current()
    threading.Timer(0.05, lambda: board.update(epoch=1)).start()
    assert board.wait_newer(start.version, 15).epoch == 1
    assert board.wait_idle(15).building is False


def test_watcher_falls_back_to_polling_when_inotify_runs_out(tmp_path) -> None:
    from watchdog.observers import Observer

    from generator.serve.watcher import SourceWatcher

    class ExhaustedObserver(Observer):  # type: ignore[misc, valid-type]
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    (tmp_path / "content").mkdir()
    seen: list[list[Change]] = []
    got = threading.Event()
    watcher = SourceWatcher(tmp_path, lambda changes, written: (seen.append(changes), got.set()),
                            observer=ExhaustedObserver())
    watcher.start()
    try:
        (tmp_path / "content" / "a.md").write_text("---\ntitle: A\n---\n", encoding="utf-8")
        assert got.wait(15)
    finally:
        watcher.close()
    assert Change("content/a.md", K.CONTENT) in [c for batch in seen for c in batch]


def test_rebuilder_builds_a_finished_write_without_the_long_quiet() -> None:
    batches: list[frozenset[Change]] = []
    built = threading.Event()

    def build(batch: frozenset[Change]) -> None:
        batches.append(batch)
        built.set()

    rebuilder = Rebuilder(build, quiet=60.0, quiet_after_write=0.2)  # the long quiet would outlast the wait
    rebuilder.start()
    try:
        rebuilder.notify([Change("content/a.md", K.CONTENT)])  # still being written
        rebuilder.notify([Change("content/a.md", K.CONTENT), Change("content/b.md", K.CONTENT)], written=True)
        assert built.wait(15)
    finally:
        rebuilder.close()
    assert batches == [frozenset({Change("content/a.md", K.CONTENT), Change("content/b.md", K.CONTENT)})]


def test_watcher_tells_which_events_finish_a_source_file(tmp_path) -> None:
    from generator.serve.watcher import SourceWatcher

    (tmp_path / "content").mkdir()
    seen: list[tuple[tuple[str, ...], bool]] = []
    watcher = SourceWatcher(tmp_path, lambda changes, written: seen.append((tuple(c.path for c in changes), written)))
    watcher.start()
    article = tmp_path / "content" / "a.md"
    try:
        article.write_text("---\ntitle: A\n---\n", encoding="utf-8")
        article.rename(tmp_path / "content" / "a.md~")  # an editor's backup: the source is gone, not finished
        (tmp_path / "content" / "b.md.tmp").write_text("---\ntitle: B\n---\n", encoding="utf-8")
        (tmp_path / "content" / "b.md.tmp").rename(tmp_path / "content" / "b.md")  # saved into place
        wait_for(lambda: (("content/b.md",), True) in seen, "the rename into place")
    finally:
        watcher.close()
    assert seen.index((("content/a.md",), True)) < len(seen) - 2  # closed after writing, then the rename
    assert seen[-2:] == [(("content/a.md",), False), (("content/b.md",), True)]


def _sigterm_is_default(_: object) -> bool:
    import signal
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_build_workers_forked_by_the_server_end_on_sigterm_at_once() -> None:
    # The pool's shutdown sends SIGTERM to its workers and waits for them: the server's own
    # handler (SIGTERM as Ctrl-C) must not be theirs.
    import multiprocessing
    import signal

    from generator.serve.server import _stop_on_sigterm

    restore = _stop_on_sigterm()
    try:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        with multiprocessing.get_context("fork").Pool(1) as pool:
            assert pool.map(_sigterm_is_default, [None]) == [True]
    finally:
        restore()
