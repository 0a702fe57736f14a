"""The dev server's HTTP/1.1 wire format: request heads read, refused, and answer heads written."""

from __future__ import annotations

import pytest

from generator.serve.httpwire import (
    MAX_HEADERS,
    Refusal,
    Reply,
    Request,
    body_length,
    end_of_head,
    parse_head,
    reply_head,
)


@pytest.mark.parametrize("buffer, end", [
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next", 27),
    (b"GET / HTTP/1.0\n\n", 16),
    (b"GET / HTTP/1.1\r\nHost: x\r\n", -1),
    (b"", -1),
])
def test_end_of_head(buffer: bytes, end: int) -> None:
    assert end_of_head(buffer) == end


def test_parse_head_reads_method_target_version_and_fields() -> None:
    head = b"GET /topics/?page=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: a\r\naccept: b\r\nX-Empty:\r\n\r\n"
    assert parse_head(head) == Request("GET", "/topics/?page=2", (1, 1),
                                       {"host": "127.0.0.1", "accept": "a, b", "x-empty": ""})


@pytest.mark.parametrize("head, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /\r\n\r\n", 400),
    (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\n\r\n", 505),
    (b"GET / HTTP/2.0\r\n\r\n", 505),
    (b"GET / HTTP/1.x\r\n\r\n", 400),
    (b"GET / FTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nBad header line\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n folded: value\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nName : value\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * (MAX_HEADERS + 1) + b"\r\n", 431),
])
def test_parse_head_refuses_what_cannot_be_read(head: bytes, status: int) -> None:
    refused = parse_head(head)
    assert isinstance(refused, Refusal) and refused.status == status


@pytest.mark.parametrize("version, connection, kept", [
    ((1, 1), None, True),
    ((1, 1), "close", False),
    ((1, 1), "Upgrade, Close", False),
    ((1, 0), None, False),
    ((1, 0), "keep-alive", True),
    ((1, 0), "Keep-Alive", True),
    ((0, 9), None, False),
])
def test_keeps_alive(version: tuple[int, int], connection: str | None, kept: bool) -> None:
    headers = {"connection": connection} if connection is not None else {}
    assert Request("GET", "/", version, headers).keeps_alive() is kept


@pytest.mark.parametrize("headers, length", [
    ({}, 0),
    ({"content-length": "12"}, 12),
    ({"content-length": "-1"}, None),
    ({"content-length": "1e3"}, None),
    ({"content-length": "١٢"}, None),  # Arabic-Indic digits are digits to str.isdigit, not to HTTP
    ({"transfer-encoding": "chunked"}, None),
])
def test_body_length(headers: dict[str, str], length: int | None) -> None:
    assert body_length(Request("GET", "/", (1, 1), headers)) == length


def test_reply_head() -> None:
    head = reply_head(Reply(404, (("Content-Type", "text/html; charset=utf-8"),)), 12, "close").decode("latin-1")
    lines = head.split("\r\n")
    assert lines[0] == "HTTP/1.1 404 Not Found"
    assert lines[1] == "Server: newsbite-dev" and lines[2].startswith("Date: ") and lines[2].endswith(" GMT")
    assert lines[3:] == ["Content-Type: text/html; charset=utf-8", "Content-Length: 12", "Connection: close", "", ""]
    assert "Content-Length" not in reply_head(Reply(200, ()), None, None).decode("latin-1")
