"""The dev server over real HTTP on 127.0.0.1: paths, types, pretty URLs, safety, rebuilds, events."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Iterator

import pytest

from generator.serve import devpage, httpwire
from generator.serve.server import DevServer, ServeOptions
from tests.conftest import run_cli
from tests.e2e.serving import (
    SITE_FILES,
    ServeProcess,
    article,
    fetch,
    start_in_process,
    wait_for,
    wait_for_build,
)


@pytest.fixture
def served(make_site) -> Iterator[DevServer]:
    site = make_site(SITE_FILES)
    server = start_in_process(site)
    try:
        yield server
    finally:
        server.close()


def raw_request(server: DevServer, data: bytes) -> bytes:
    """Send raw bytes to the server and return everything it answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)  # nothing more is coming, as a client that hangs up would say
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serves_pages_with_reload_script(served: DevServer) -> None:
    home = fetch(served.url)
    assert home.status == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-store"
    assert b"Alpha troops arrive" in home.body
    body_end = home.body.rindex(b"</body>")
    assert home.body.rindex(devpage.SCRIPT_PATH.encode()) < body_end
    script = fetch(served.url + devpage.SCRIPT_PATH.lstrip("/"))
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"EventSource" in script.body


def test_reload_script_is_never_in_the_output_folder(served: DevServer) -> None:
    pages = [p for p in served.output_dir.rglob("*.html")]
    assert pages
    assert not any(b"__newsbite" in p.read_bytes() for p in pages)


def test_build_output_has_no_reload_script(make_site) -> None:
    site = make_site(SITE_FILES)
    assert run_cli("build", "--site", str(site)) == 0
    assert not any(b"__newsbite" in p.read_bytes() for p in (site / "public").rglob("*") if p.is_file())


def test_pretty_urls_and_redirects(served: DevServer) -> None:
    topic = fetch(served.url + "topics/kazakhstan/")
    assert topic.status == 200 and b"Bravo talks stall" in topic.body
    bare = fetch(served.url + "topics/kazakhstan?page=1")
    assert bare.status == 301
    assert bare.headers["location"] == "/topics/kazakhstan/?page=1"
    slashed = fetch(served.url + "favicon.svg/")
    assert slashed.status == 404


def test_no_open_redirect_from_double_slash(served: DevServer) -> None:
    reply = raw_request(served, b"GET //topics HTTP/1.0\r\n\r\n")
    assert b"Location: /topics/\r\n" in reply


@pytest.mark.parametrize("name, expected", [
    ("favicon.svg", "image/svg+xml"),
    ("css/newsbite.css", "text/css; charset=utf-8"),
])
def test_content_types(served: DevServer, name: str, expected: str) -> None:
    reply = fetch(served.url + name)
    assert reply.status == 200
    assert reply.headers["content-type"] == expected
    assert b"__newsbite" not in reply.body


def test_missing_page_gets_the_sites_404_page(served: DevServer) -> None:
    reply = fetch(served.url + "no/such/page/")
    assert reply.status == 404
    assert reply.body.startswith((served.output_dir / "404.html").read_bytes()[:200])
    assert devpage.SCRIPT_PATH.encode() in reply.body
    head = fetch(served.url + "no/such/page/", method="HEAD")
    assert head.status == 404 and head.body == b""
    events = fetch(served.url + devpage.EVENTS_PATH.lstrip("/"), method="HEAD")
    assert events.status == 200 and events.headers["content-type"].startswith("text/event-stream")


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/..\\..\\..\\etc\\passwd",
    "/%5c..%5c..%5cetc%5cpasswd",
    "/etc/passwd%00.html",
    "//etc/passwd",
    "/topics/../../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_never_leaves_the_output(served: DevServer, path: str) -> None:
    reply = raw_request(served, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert b"root:" not in reply
    status = int(reply.split(b" ", 2)[1])
    assert status in (400, 404)


def test_raw_absolute_path_and_absolute_form(served: DevServer) -> None:
    for line in (b"GET /../../../etc/passwd HTTP/1.1", b"GET http://127.0.0.1/../../etc/passwd HTTP/1.1",
                 b"GET /etc/passwd HTTP/1.1", b"GET file:///etc/passwd HTTP/1.1"):
        reply = raw_request(served, line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert b"root:" not in reply
        assert reply.split(b" ", 2)[1] in (b"400", b"404")


def test_symlink_out_of_the_output_is_not_followed(served: DevServer) -> None:
    os.symlink("/etc", served.output_dir / "escape")
    assert fetch(served.url + "escape/passwd").status == 404


def test_symlinks_inside_the_output_are_followed_and_loops_are_not_found(served: DevServer) -> None:
    os.symlink("css/newsbite.css", served.output_dir / "linked.css")
    os.symlink("topics", served.output_dir / "subjects")
    os.symlink("loop-b", served.output_dir / "loop-a")
    os.symlink("loop-a", served.output_dir / "loop-b")
    assert fetch(served.url + "linked.css").body == (served.output_dir / "css/newsbite.css").read_bytes()
    assert b"Bravo talks stall" in fetch(served.url + "subjects/kazakhstan/").body
    assert fetch(served.url + "loop-a").status == 404
    assert fetch(served.url + "loop-a/index.html").status == 404


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    b"\x00\xff\xfe\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad header line\r\n\r\n",
    b"",
])
def test_malformed_requests_do_not_kill_the_server(served: DevServer, data: bytes) -> None:
    try:
        raw_request(served, data)
    except ConnectionResetError:
        pass
    assert fetch(served.url).status == 200


def test_200_concurrent_requests_all_succeed(served: DevServer) -> None:
    paths = ["", "topics/", "topics/kazakhstan/", "favicon.svg", "css/newsbite.css"] * 40

    def get(path: str) -> int:
        return fetch(served.url + path).status

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(get, paths))
    assert statuses == [200] * 200


def read_event(conn: http.client.HTTPResponse) -> str:
    """Return the data of the next 'state' event on an open event stream."""
    data = ""
    while True:
        line = conn.fp.readline().decode()
        if line.startswith("data: "):
            data = line[6:].strip()
        if line == "\n" and data:
            return data


def test_event_stream_reports_rebuilds_errors_and_recovery(served: DevServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=15)
    conn.request("GET", devpage.EVENTS_PATH)
    stream = conn.getresponse()
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    first = read_event(stream)
    assert '"problems": []' in first
    source = served.options.site_dir / "content/2022/alpha.md"
    before = served.board.current()
    source.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    broken = wait_for_build(served, before)
    assert broken.problems and broken.problems[0].path == "content/2022/alpha.md"
    event = read_event(stream)
    assert "content/2022/alpha.md" in event and '"line": ' in event
    # The last good output is still served while the build is broken.
    assert b"Alpha troops arrive" in fetch(served.url).body
    source.write_text(article("Alpha troops regroup", ["Kazakhstan"], 9), encoding="utf-8")
    fixed = wait_for_build(served, broken)
    assert fixed.problems == () and fixed.epoch > broken.epoch
    assert '"problems": []' in read_event(stream)
    assert b"Alpha troops regroup" in fetch(served.url).body
    conn.close()


def test_one_article_edit_rewrites_only_affected_files(served: DevServer) -> None:
    out = served.output_dir
    before = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    state = served.board.current()
    (served.options.site_dir / "content/2022/delta.md").write_text(
        article("Delta pipeline opens early", ["Energy"], 12), encoding="utf-8")
    wait_for_build(served, state)
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = {path for path in after if before.get(path) != after[path]}
    assert "2022/01/delta/index.html" in changed
    assert "topics/energy/index.html" in changed
    assert "index.html" in changed
    # Everything else the edit may touch: the home list, the site's feeds and sitemaps, the writer's manifest.
    allowed = {"2022/01/delta/index.html", "index.html", "feed.xml", "rss.xml", "atom.xml", "sitemap.xml",
               "news-sitemap.xml", ".newsbite-manifest.json", "2022/01/index.html", "2022/index.html"}
    # Search is on in serve (issue 11): the search part holding the article is indexed again, its
    # scripts (pagefind.js, pagefind-ui.js, the WebAssembly) are not rewritten.
    index_files = ("pagefind/fragment/", "pagefind/index/", "pagefind/filter/", "pagefind/pagefind-entry.json",
                   "pagefind/pagefind.en")
    outside = {p for p in changed - allowed if not p.startswith(("topics/energy/", "page/", *index_files))}
    assert not outside, f"rewritten though the edit does not affect them: {sorted(outside)}"
    assert {"2022/01/alpha/index.html", "topics/kazakhstan/index.html", "css/newsbite.css"} <= set(after)


def test_deleted_article_leaves_its_topic_page(served: DevServer) -> None:
    assert b"Bravo talks stall" in fetch(served.url + "topics/kazakhstan/").body
    state = served.board.current()
    (served.options.site_dir / "content/2022/bravo.md").unlink()
    wait_for_build(served, state)
    assert b"Bravo talks stall" not in fetch(served.url + "topics/kazakhstan/").body
    assert fetch(served.url + "2022/01/bravo/").status == 404


def test_editor_temp_files_do_not_rebuild(served: DevServer) -> None:
    site = served.options.site_dir
    state = served.board.current()
    (site / "content/2022/.alpha.md.swp").write_bytes(b"\x00swap")
    (site / "content/2022/alpha.md~").write_text("backup", encoding="utf-8")
    (site / "content/2022/echo.md").write_text(article("Echo vote counted", ["Economy"], 13), encoding="utf-8")
    after = wait_for_build(served, state)
    assert after.problems == ()
    assert fetch(served.url + "2022/01/echo/").status == 200


def test_port_taken_names_a_free_port(make_site) -> None:
    site = make_site(SITE_FILES)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        import contextlib
        import io

        from generator.__main__ import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(["serve", "--site", str(site), "--port", str(port)])
    assert status == 2
    assert f"port {port} on 127.0.0.1 is already in use; try --port " in err.getvalue()


def test_cli_serves_and_ctrl_c_exits_cleanly(make_site) -> None:
    site = make_site(SITE_FILES)
    process = ServeProcess(site)
    try:
        assert process.url.startswith("http://127.0.0.1:")
        assert fetch(process.url + "topics/").status == 200
        assert process.output_dir is not None and process.output_dir.is_dir()
    finally:
        status, err = process.stop(signal.SIGINT)
    assert status == 0
    assert "Traceback" not in err
    assert not process.output_dir.exists()
    assert not (site / "public").exists()


def test_sigterm_also_cleans_up(make_site) -> None:
    site = make_site(SITE_FILES)
    process = ServeProcess(site)
    status, err = process.stop(signal.SIGTERM)
    assert status == 0 and "Traceback" not in err
    assert process.output_dir is not None and not process.output_dir.exists()


def test_broken_site_at_start_still_serves_the_error(make_site) -> None:
    site = make_site({"content/a.md": "---\ntitle: [broken\n---\nBody\n"})
    server = start_in_process(site)
    try:
        reply = fetch(server.url)
        assert reply.status == 500
        assert b"content/a.md:" in reply.body
        assert b"title: [broken" in reply.body  # with the source lines around the problem
        state = server.board.current()
        (site / "content/a.md").write_text(article("Fixed now", ["X"], 9), encoding="utf-8")
        wait_for_build(server, state)
        assert b"Fixed now" in fetch(server.url).body
    finally:
        server.close()


def test_template_error_names_the_layout_and_line(served: DevServer) -> None:
    site = served.options.site_dir
    state = served.board.current()
    (site / "layouts").mkdir()
    (site / "layouts/article.html").write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n',
                                               encoding="utf-8")
    broken = wait_for_build(served, state)
    assert [(p.path, p.line) for p in broken.problems][:1] == [("layouts/article.html", 3)]
    (site / "layouts/article.html").unlink()
    fixed = wait_for_build(served, broken)
    assert fixed.problems == ()


def test_site_yaml_change_rebuilds_everything(served: DevServer) -> None:
    state = served.board.current()
    (served.options.site_dir / "site.yaml").write_text("title: Renamed Briefings\n", encoding="utf-8")
    wait_for_build(served, state)
    for path in ("", "topics/", "2022/01/alpha/"):
        assert b"Renamed Briefings" in fetch(served.url + path).body


def test_static_file_change_is_copied(served: DevServer) -> None:
    site = served.options.site_dir
    state = served.board.current()
    (site / "layouts/static/css").mkdir(parents=True)
    (site / "layouts/static/css/extra.css").write_text("main { color: red }\n", encoding="utf-8")
    wait_for_build(served, state)
    reply = fetch(served.url + "css/extra.css")
    assert reply.status == 200 and reply.body == b"main { color: red }\n"


def test_renamed_article_moves(served: DevServer) -> None:
    site = served.options.site_dir
    state = served.board.current()
    (site / "content/2022/alpha.md").rename(site / "content/2022/alpha-two.md")
    wait_for_build(served, state)
    assert fetch(served.url + "2022/01/alpha/").status == 404
    assert b"Alpha troops arrive" in fetch(served.url + "2022/01/alpha-two/").body


def test_open_starts_the_browser_on_the_site(make_site, tmp_path: Path, monkeypatch) -> None:
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    fake.chmod(0o755)
    site = make_site(SITE_FILES)
    monkeypatch.setenv("BROWSER", f"{fake} %s")  # webbrowser runs $BROWSER with the address
    process = ServeProcess(site, "--open")
    try:
        wait_for(opened.exists, "the browser to be started")
        wait_for(lambda: opened.read_text(encoding="utf-8").strip() == process.url, "the site's address")
    finally:
        process.stop(signal.SIGINT)


def test_drafts_are_served_only_when_asked(make_site) -> None:
    draft = "---\ntitle: Draft story\ndate: 2022-01-09T10:00:00+11:00\ndraft: true\ntopics: [X]\n---\nBody\n"
    site = make_site({"content/2022/draft.md": draft, **SITE_FILES})
    for drafts, expected in ((False, 404), (True, 200)):
        server = DevServer(ServeOptions(site_dir=site, port=0, drafts=drafts), emit=lambda line: None)
        server.start()
        try:
            assert fetch(server.url + "2022/01/draft/").status == expected
        finally:
            server.close()


def test_the_writers_own_files_are_not_served(served: DevServer) -> None:
    assert (served.output_dir / ".newsbite-manifest.json").is_file()
    assert fetch(served.url + ".newsbite-manifest.json").status == 404


def test_an_editors_save_dance_ends_in_the_saved_page(served: DevServer) -> None:
    # Vim with 'backupcopy=no': probe file, rename to a backup, write anew, drop the backup.
    folder = served.options.site_dir / "content/2022"
    state = served.board.current()
    (folder / "4913").write_bytes(b"")
    (folder / "4913").unlink()
    (folder / "alpha.md").rename(folder / "alpha.md~")
    (folder / "alpha.md").write_text(article("Alpha troops saved", ["Kazakhstan"], 9), encoding="utf-8")
    (folder / "alpha.md~").unlink()
    wait_for(lambda: b"Alpha troops saved" in fetch(served.url + "2022/01/alpha/").body, "the saved headline")
    after = served.board.current()
    assert after.problems == () and after.epoch > state.epoch


def test_terminal_lines_say_what_changed_and_warn_once(make_site) -> None:
    typo = "---\ntitle: Echo\ndate: 2022-01-13T10:00:00+11:00\ntopcs: [X]\n---\nBody\n"
    site = make_site({**SITE_FILES, "content/2022/echo.md": typo})
    lines: list[str] = []
    server = DevServer(ServeOptions(site_dir=site, port=0, quiet=0.05), emit=lines.append)
    server.start()
    try:
        for title in ("Delta one", "Delta two"):
            state = server.board.current()
            (site / "content/2022/delta.md").write_text(article(title, ["Energy"], 12), encoding="utf-8")
            wait_for_build(server, state)
    finally:
        server.close()
    rebuilds = [line for line in lines if "content/2022/delta.md changed:" in line]
    assert len(rebuilds) == 2 and all(" written, " in line and line.endswith(" ms") for line in rebuilds)
    warnings = [line for line in lines if "topcs" in line]
    assert warnings == ["  content/2022/echo.md:4: warning: unknown key 'topcs'; did you mean 'topics'?"]


def test_many_open_event_streams_do_not_block_pages_or_shutdown(make_site) -> None:
    server = start_in_process(make_site(SITE_FILES))
    streams = []
    try:
        for _ in range(40):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
            conn.request("GET", devpage.EVENTS_PATH)
            reply = conn.getresponse()
            assert '"problems": []' in read_event(reply)
            streams.append(conn)
        with ThreadPoolExecutor(max_workers=50) as pool:
            assert list(pool.map(lambda _: fetch(server.url).status, range(50))) == [200] * 50
    finally:
        closer = threading.Thread(target=server.close)
        closer.start()
        closer.join(15)
        assert not closer.is_alive(), "the server did not stop with event streams open"
        for conn in streams:
            conn.close()


def test_one_kept_alive_connection_carries_many_requests(served: DevServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=15)
    try:
        for path in ["/", "/topics/", "/css/newsbite.css", "/no/such/page/", "/topics"]:
            conn.request("GET", path)
            reply = conn.getresponse()
            body = reply.read()
            assert reply.version == 11 and reply.getheader("Connection") != "close"
            assert reply.status in (200, 301, 404) and len(body) == int(reply.getheader("Content-Length"))
        assert conn.sock is not None  # still the first connection: none was closed on the way
    finally:
        conn.close()


def test_500_clients_at_once_on_kept_alive_connections_all_get_answers(served: DevServer) -> None:
    def client(n: int) -> list[int]:
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        try:
            statuses = []
            for path in ["/", "/topics/", "/css/newsbite.css", "/favicon.svg"]:
                conn.request("GET", path)
                reply = conn.getresponse()
                reply.read()
                statuses.append(reply.status)
            return statuses
        finally:
            conn.close()

    barrier_free = ThreadPoolExecutor(max_workers=500)
    with barrier_free as pool:
        results = list(pool.map(client, range(500)))
    assert results == [[200] * 4] * 500


def server_side_connections(port: int) -> int:
    """Return how many TCP connections the server holds on ``port``, open or half-closed (Linux's /proc/net)."""
    listening = "0A"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                count += local_port == port and fields[3] != listening
    return count


def test_a_closed_event_stream_is_noticed_within_seconds(served: DevServer) -> None:
    before = server_side_connections(served.port)
    tabs = []
    for _ in range(5):
        tab = socket.create_connection(("127.0.0.1", served.port), timeout=15)
        tab.sendall(f"GET {devpage.EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while b"data: " not in received:
            received += tab.recv(65536)
        assert b"Connection: close" in received  # a stream has no length: nothing follows it
        tabs.append(tab)
    assert server_side_connections(served.port) >= before + 5
    for tab in tabs:
        tab.close()  # the tabs went away without a word
    # Until the server ends a stream, its side of the connection stays open (CLOSE_WAIT).
    wait_for(lambda: server_side_connections(served.port) <= before,
             "the server to end the streams of closed tabs", deadline=5)


def test_500_open_connections_do_not_take_a_thread_each(served: DevServer) -> None:
    style = (served.output_dir / "css/newsbite.css").read_bytes()
    threads_before = threading.active_count()
    clients = [socket.create_connection(("127.0.0.1", served.port), timeout=30) for _ in range(500)]
    answers = [client.makefile("rb") for client in clients]
    try:
        for _round in range(2):  # the second round on the same, kept-alive, connections
            for client in clients:
                client.sendall(b"GET /css/newsbite.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for reader in answers:
                head, body = read_answer(reader)
                assert head.startswith(b"HTTP/1.1 200 ") and body == style
            # Every connection is open and answered: the server holds them without a thread each.
            assert threading.active_count() < threads_before + 20
    finally:
        for client, reader in zip(clients, answers):
            reader.close()
            client.close()


def read_answer(answers: BinaryIO, head_only: bool = False) -> tuple[bytes, bytes]:
    """Read one answer off a kept-alive connection (``socket.makefile("rb")``); return its head and body."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = answers.readline()
        assert line, "the server closed the connection"
        head += line
    length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    body = b"" if head_only else answers.read(length)
    assert len(body) == (0 if head_only else length), "the server closed the connection mid-answer"
    return head, body


def test_an_http_1_0_client_asking_to_keep_the_connection_is_told_so(served: DevServer) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as conn:
        conn.sendall(b"GET /css/newsbite.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(65536)
        assert b"Connection: keep-alive" in head  # else such a client waits for a close that never comes


def test_pipelined_requests_are_answered_in_order_and_a_body_is_skipped(served: DevServer) -> None:
    requests = (b"GET /robots.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                b"HEAD /topics/ HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /no/such/page/ HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /css/newsbite.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", served.port), timeout=15) as conn:
        conn.sendall(requests)
        with conn.makefile("rb") as answers:
            robots = read_answer(answers)
            topics, _ = read_answer(answers, head_only=True)  # a HEAD answer has a length and no body
            missing = read_answer(answers)
            style = read_answer(answers)
            assert answers.read() == b""  # closed, as the last request asked
    assert robots[0].startswith(b"HTTP/1.1 200 ") and robots[1] == (served.output_dir / "robots.txt").read_bytes()
    assert topics.startswith(b"HTTP/1.1 200 ") and b"Content-Length: 0\r\n" not in topics
    assert missing[0].startswith(b"HTTP/1.1 404 ")
    assert style[0].startswith(b"HTTP/1.1 200 ") and b"Connection: close" in style[0]


@pytest.mark.parametrize("data, status", [
    (b"GET / HTTP/9.9\r\n\r\n", b"505"),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
    (b"GET / HTTP/1.1\r\n" + b"X-Many: y\r\n" * 101 + b"\r\n", b"431"),
    (b"GET / HTTP/1.1\r\nBad header line\r\n\r\n", b"400"),
    (b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", b"501"),
])
def test_a_request_that_cannot_be_answered_is_refused_and_its_connection_closed(
        served: DevServer, data: bytes, status: bytes) -> None:
    reply = raw_request(served, data + b"GET / HTTP/1.1\r\n\r\n")  # what follows is not read
    assert reply.split(b" ", 2)[1] == status
    assert b"Connection: close\r\n" in reply and reply.count(b"HTTP/1.1 ") == 1


def test_a_silent_connection_is_closed_and_an_event_stream_is_not(make_site, monkeypatch) -> None:
    monkeypatch.setattr(httpwire, "IDLE_TIMEOUT", 0.5)
    monkeypatch.setattr(httpwire, "SWEEP_EVERY", 0.1)
    server = start_in_process(make_site(SITE_FILES))
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as silent, \
                socket.create_connection(("127.0.0.1", server.port), timeout=15) as tab:
            tab.sendall(f"GET {devpage.EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert silent.recv(1) == b""  # closed by the server: it asked nothing for longer than the timeout
            received = b""
            while received.count(b": still here") < 2:  # two heartbeats later, the stream goes on
                chunk = tab.recv(65536)
                assert chunk, "the server closed an event stream as idle"
                received += chunk
    finally:
        server.close()
