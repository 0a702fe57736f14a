"""Index pages held in memory with Pagefind's service mode (``pagefind --service``), with no scratch copy.

The binary reads requests on stdin and answers on stdout, each message base64 of JSON followed by a
comma; this is the protocol Pagefind's own Python and Node APIs speak. We speak it directly: the
``pagefind`` package on PyPI reads one answer per 100 ms (it sleeps between reads), which is 30 s
for 300 pages, and it needs an event loop. Requests are written from a thread of their own, so
neither side can fill a pipe while the other waits on it.

Pages are sent in the caller's order: Pagefind numbers pages as they arrive, so the same pages in
the same order give the same bundle (the filter files aside, which ``pagefind_bundle`` sorts).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Sequence

log = logging.getLogger(__name__)

# Told once per page indexed, from the thread that reads Pagefind's answers.
PageDone = Callable[[], None]


class PagefindFailed(Exception):
    """Pagefind could not be started, stopped early, or answered with an error; the message says which."""


@dataclass(frozen=True, slots=True)
class IndexPage:
    """One page to index: the URL its results link to (under the site root) and its HTML."""

    url: str
    html: bytes


def index_pages(executable: Path, pages: Sequence[IndexPage], page_done: PageDone | None = None) -> dict[str, bytes]:
    """Return the Pagefind bundle for ``pages`` (path inside the bundle -> bytes); raise PagefindFailed."""
    # Pagefind answers to PAGEFIND_* variables; a stray one in the caller's shell must not change
    # what it indexes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        process = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        raise PagefindFailed(f"could not run {executable} ({exc})") from exc
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(process.stderr.read()) if process.stderr else None,
                             name="pagefind-stderr", daemon=True)
    drain.start()
    try:
        return _converse(process, pages, page_done)
    except (OSError, ValueError) as exc:
        raise PagefindFailed(_stopped(process, drain, errors, str(exc))) from exc
    except PagefindFailed as exc:
        raise PagefindFailed(_stopped(process, drain, errors, str(exc))) from exc
    finally:
        _close(process)


def _converse(process: subprocess.Popen[bytes], pages: Sequence[IndexPage], page_done: PageDone | None) -> dict[str, bytes]:
    assert process.stdin is not None and process.stdout is not None
    _send(process.stdin, 0, {"type": "NewIndex", "config": None})
    process.stdin.flush()
    index_id = _answer(process.stdout, "NewIndex")["index_id"]
    writer = threading.Thread(target=_send_pages, args=(process.stdin, index_id, pages), name="pagefind-writer",
                              daemon=True)
    writer.start()
    for _ in range(len(pages)):  # not the pages themselves: a caller's may be made as they are read
        _answer(process.stdout, "IndexedFile")
        if page_done is not None:
            page_done()
    files: list[dict[str, str]] = _answer(process.stdout, "GetFiles")["files"]
    writer.join()
    # The whole bundle in one message (5 MB for a part of 1,600 pages, and three parts at a time):
    # each file's text is dropped as soon as it is decoded, not held beside the bundle.
    files.reverse()
    bundle: dict[str, bytes] = {}
    while files:
        file = files.pop()
        bundle[str(file["path"])] = base64.b64decode(file["content"])
    return bundle


def _send_pages(stream: IO[bytes], index_id: int, pages: Sequence[IndexPage]) -> None:
    try:
        for number, page in enumerate(pages, start=1):
            _send(stream, number, {"type": "AddFile", "index_id": index_id, "file_path": None, "url": page.url,
                                   "file_contents": page.html.decode("utf-8", "replace")})
        _send(stream, len(pages) + 1, {"type": "GetFiles", "index_id": index_id})
        stream.flush()
    except (OSError, ValueError):  # ValueError: the pipe was closed after a failure
        pass  # Pagefind stopped: the reader sees the end of its output and reports it


def _send(stream: IO[bytes], message_id: int, payload: dict[str, Any]) -> None:
    message = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
    stream.write(base64.b64encode(message) + b",")


def _answer(stream: IO[bytes], expected: str) -> dict[str, Any]:
    text = _read_message(stream).decode("utf-8")
    payload: dict[str, Any] = json.loads(text)["payload"]
    del text
    kind = payload.get("type")
    if kind == "Error":
        raise PagefindFailed(f"Pagefind refused a request: {payload.get('message')}")
    if kind != expected:
        raise PagefindFailed(f"Pagefind answered {kind!r} where {expected!r} was due")
    return payload


def _read_message(stream: IO[bytes]) -> bytearray:
    """Return the next message, decoded from base64 as it is read: no copy of the encoded message is kept."""
    message = bytearray()
    pending = b""  # the last piece's bytes past a multiple of four, decoded with the next
    while True:
        # Base64 holds no comma: read up to the next one, a buffer's worth at a time.
        piece = _read_until_comma(stream)
        if not piece:
            raise PagefindFailed("Pagefind stopped before it answered")
        if not message and not pending:
            piece = piece.lstrip()  # whatever separates messages beside the comma
        last = piece.endswith(b",")
        encoded = pending + (piece[:-1] if last else piece)
        whole = len(encoded) if last else len(encoded) - len(encoded) % 4
        try:
            message += base64.b64decode(encoded[:whole], validate=True)
        except binascii.Error as exc:
            raise PagefindFailed(f"Pagefind answered something that is not base64 ({exc})") from exc
        if last:
            return message
        pending = encoded[whole:]


def _read_until_comma(stream: IO[bytes]) -> bytes:
    # BufferedReader has no readuntil; peek shows what is buffered, so read up to the comma in it.
    peek = getattr(stream, "peek")
    head: bytes = peek(1 << 16)
    if not head:
        return b""
    at = head.find(b",")
    return stream.read(len(head) if at < 0 else at + 1)


def _stopped(process: subprocess.Popen[bytes], drain: threading.Thread, errors: list[bytes], reason: str) -> str:
    _close(process)
    drain.join(timeout=5)
    detail = b"".join(errors).decode("utf-8", "replace").strip().splitlines()[-3:]
    code = process.returncode
    said = f"; it said: {' / '.join(detail)}" if detail else ""
    status = f" (exit code {code})" if code not in (None, 0) else ""
    return f"{reason}{status}{said}"


def _close(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
