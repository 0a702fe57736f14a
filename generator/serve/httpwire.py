"""HTTP/1.1 for the dev server: one event loop thread holds every connection and answers in order.

A thread per connection made a thousand kept-alive clients a thousand threads, each new one
waiting its turn for the interpreter lock before its first request was read (issue 15: a p99 of
2-6 s on a busy machine). Here a selector event loop holds them all: a connection is a small
object, and a request for a file is parsed and answered in one go, on the loop thread, in the
order requests arrive. What can take long (waiting out a build, making a page from a plan,
reading a big file) is an ``Answer`` the application returns as an awaitable; the connection
waits for it, meanwhile holding back the requests pipelined behind it, and every other
connection goes on being served.

What a client may rely on: HTTP/1.1 keep-alive (and HTTP/1.0 keep-alive when asked for, said so
in the answer), requests pipelined on one connection answered in order, a request body skipped
by its length, HEAD answered with the headers GET would get, a stream (Server-Sent Events) that
ends with its connection, TCP_NODELAY, a client that stops reading held back (its reads paused
rather than its answers buffered without end), and an idle connection closed after
``IDLE_TIMEOUT``. A head that cannot be read is refused with 400, 414, 431, 501 or 505, and the
connection closed.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import threading
import time
from http import HTTPStatus
from typing import AsyncIterator, Awaitable, NamedTuple, Protocol

log = logging.getLogger(__name__)

MAX_HEAD = 65536  # bytes in a request line with its headers; a longer request line is a 414
MAX_HEADERS = 100  # as http.server allows
IDLE_TIMEOUT = 30.0  # seconds a connection may wait between requests, or between parts of one
SWEEP_EVERY = 5.0  # seconds between looks for idle connections
# A stream's answers waiting for a client that does not read them: past this, the client is gone.
STREAM_BUFFER_LIMIT = 1 << 20
SERVER_NAME = "newsbite-dev"


class Request(NamedTuple):
    """A request head as read off the connection."""

    method: str
    target: str
    version: tuple[int, int]
    headers: dict[str, str]  # lower-case names; a repeated field's values joined by ", "

    def connection_tokens(self) -> set[str]:
        """Return the options of the Connection header, lower-case."""
        return {token.strip().lower() for token in self.headers.get("connection", "").split(",")}

    def keeps_alive(self) -> bool:
        """Return whether the client asked (or, with HTTP/1.1, did not refuse) to keep the connection."""
        tokens = self.connection_tokens()
        if "close" in tokens:
            return False
        return self.version >= (1, 1) or "keep-alive" in tokens


class Reply(NamedTuple):
    """An answer: status, headers (without Content-Length and Connection), and a body or a stream."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    # Sent after the body until it ends, and the connection is then closed (a stream has no length).
    stream: AsyncIterator[bytes] | None = None


# An answer made at once, or one to wait for (the connection answers its next request after it).
Answer = Reply | Awaitable[Reply]


class Refusal(NamedTuple):
    """A request head that cannot be answered: the status to refuse it with."""

    status: int
    reason: str


class Application(Protocol):
    """What the connections ask: an answer to each request, and the page a refusal is sent with."""

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the loop's thread before the first connection is accepted."""
        ...

    def close(self) -> None:
        """Called on the loop's thread once the server has stopped."""
        ...

    def answer(self, request: Request) -> Answer:
        """Return the reply to a request, or an awaitable of it (called on the loop's thread)."""
        ...

    def refuse(self, refusal: Refusal) -> Reply:
        """Return the reply that refuses a request head that cannot be read."""
        ...


def end_of_head(buffer: bytes | bytearray) -> int:
    """Return the index just past the empty line that ends a request head, or -1 if it has not come yet."""
    crlf = buffer.find(b"\n\r\n")
    lf = buffer.find(b"\n\n")
    if crlf < 0 and lf < 0:
        return -1
    if lf < 0 or 0 <= crlf < lf:
        return crlf + 3
    return lf + 2


def parse_head(head: bytes) -> Request | Refusal:
    """Return the request a head (request line and header fields, up to the empty line) says."""
    lines = head.decode("iso-8859-1").split("\n")
    words = lines[0].rstrip("\r").split()
    if len(words) != 3:
        return Refusal(400, f"Bad request line {lines[0][:80]!r}")
    method, target, protocol = words
    version = _version(protocol)
    if version is None:
        return Refusal(400, f"Bad request version {protocol[:20]!r}")
    if version >= (2, 0):
        return Refusal(505, f"Invalid HTTP version {protocol[:20]}")
    headers: dict[str, str] = {}
    fields = [line.rstrip("\r") for line in lines[1:]]
    fields = [line for line in fields if line]
    if len(fields) > MAX_HEADERS:
        return Refusal(431, "Too many headers")
    for line in fields:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or line[0] in " \t":
            return Refusal(400, f"Bad header line {line[:80]!r}")
        key = name.lower()
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return Request(method, target, version, headers)


def _version(protocol: str) -> tuple[int, int] | None:
    if not protocol.startswith("HTTP/"):
        return None
    major, dot, minor = protocol[5:].partition(".")
    if not dot or not (major.isdigit() and minor.isdigit() and major.isascii() and minor.isascii()):
        return None
    if len(major) > 10 or len(minor) > 10:
        return None
    return int(major), int(minor)


def body_length(request: Request) -> int | None:
    """Return the length of the body that follows a head, or None when it cannot be told (chunked, bad)."""
    if "transfer-encoding" in request.headers:
        return None
    length = request.headers.get("content-length", "0").strip()
    if not length.isdigit() or not length.isascii():
        return None
    return int(length)


_REASONS = {status.value: status.phrase for status in HTTPStatus}
_dates: tuple[int, str] = (0, "")


def http_date() -> str:
    """Return the Date header's value for now (made once a second: every answer carries it)."""
    global _dates
    now = int(time.time())
    if _dates[0] != now:
        _dates = (now, email.utils.formatdate(now, usegmt=True))
    return _dates[1]


def reply_head(reply: Reply, length: int | None, connection: str | None) -> bytes:
    """Return the status line and header fields of a reply, ending with the empty line."""
    lines = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, '')}",
             f"Server: {SERVER_NAME}", f"Date: {http_date()}"]
    lines += [f"{name}: {value}" for name, value in reply.headers]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if connection is not None:
        lines.append(f"Connection: {connection}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


class HttpServer:
    """A listening socket served by an event loop; ``serve_forever``, ``shutdown`` and ``server_close``
    behave as ``socketserver``'s do."""

    def __init__(self, sock: socket.socket, app: Application, backlog: int) -> None:
        self.socket = sock
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        self.app = app
        self.connections: set[Connection] = set()
        self._backlog = backlog
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._stop_asked = False
        self._done = threading.Event()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until ``shutdown`` (``poll_interval`` is socketserver's: the loop needs none)."""
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_log_loop_error)
        with self._lock:
            if self._stop_asked:
                loop.close()
                self._done.set()
                return
            self._loop, self._stop = loop, loop.create_future()
        try:
            loop.run_until_complete(self._serve(loop))
        finally:
            loop.run_until_complete(_cancel_remaining(loop))
            loop.close()
            self._done.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` and wait until it has returned (call it from another thread)."""
        with self._lock:
            self._stop_asked = True
            loop, stop = self._loop, self._stop
        if loop is None or stop is None:
            return
        try:
            loop.call_soon_threadsafe(_settle, stop)
        except RuntimeError:  # the loop has closed already
            pass
        self._done.wait()

    def server_close(self) -> None:
        """Close the listening socket."""
        self.socket.close()

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._stop is not None
        self.app.open(loop)
        try:
            server = await loop.create_server(lambda: Connection(self, loop), sock=self.socket, backlog=self._backlog)
            sweeper = loop.create_task(self._close_idle(loop))
            await self._stop
            sweeper.cancel()
            server.close()
            for connection in list(self.connections):
                connection.abort()
        finally:
            self.app.close()

    async def _close_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            quiet_since = loop.time() - IDLE_TIMEOUT
            for connection in [c for c in self.connections if c.idle_since(quiet_since)]:
                connection.close()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks(loop) if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _log_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    exception = context.get("exception")
    error = exception if isinstance(exception, BaseException) else None
    # A client that hangs up mid-answer is normal for a dev server; keep the details for -v. Anything
    # else (out of file descriptors when accepting, say) is worth a line in the terminal.
    level = logging.DEBUG if error is None or isinstance(error, ConnectionError) else logging.WARNING
    log.log(level, "dev server: %s%s", context.get("message"), f" ({error})" if error else "",
            exc_info=error if log.isEnabledFor(logging.DEBUG) else None)


class Connection(asyncio.Protocol):
    """One client's connection: its requests read, answered in order, kept alive while it wants."""

    def __init__(self, server: HttpServer, loop: asyncio.AbstractEventLoop) -> None:
        self._server = server
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._skip = 0  # bytes of a request body still to be skipped
        self._waiting: asyncio.Task[None] | None = None  # an answer being waited for, or a stream sent
        self._streaming = False
        self._blocked = False  # the client is not reading: read nothing more until it does
        self._ended = False  # the client will send no more (it half-closed)
        self._closed = False
        self._last_active = loop.time()

    # asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Answers go out in one write, but a stream's messages are small: none may wait for an ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self._last_active = self._loop.time()
        self._buffer += data
        if self._waiting is not None and len(self._buffer) > MAX_HEAD:
            self._hold_reading()  # pipelined requests behind a slow one: enough is buffered
        self._answer_buffered()

    def eof_received(self) -> bool:
        self._ended = True
        if self._streaming:  # a tab that went away: its stream ends now
            self.close()
        elif self._waiting is None:
            self._answer_buffered()
        return True  # keep the transport open to finish the answers already asked for

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._server.connections.discard(self)
        if self._waiting is not None:
            self._waiting.cancel()

    def pause_writing(self) -> None:
        self._blocked = True
        self._hold_reading()

    def resume_writing(self) -> None:
        self._blocked = False
        self._answer_buffered()

    # for the server

    def idle_since(self, moment: float) -> bool:
        """Return whether the connection has neither answered nor been sent anything since ``moment``."""
        return (self._waiting is None and self._last_active < moment and self._transport is not None
                and self._transport.get_write_buffer_size() == 0)  # a slow download is not idle

    def close(self) -> None:
        """Close after what was written has gone out."""
        if self._transport is not None and not self._closed:
            self._closed = True
            self._transport.close()

    def abort(self) -> None:
        """Close at once."""
        if self._transport is not None:
            self._closed = True
            self._transport.abort()

    # requests and answers

    def _hold_reading(self) -> None:
        if self._transport is not None and not self._closed:
            self._transport.pause_reading()

    def _answer_buffered(self) -> None:
        """Answer each whole request buffered, in order, until one must be waited for."""
        while self._waiting is None and not self._blocked and not self._closed:
            if self._skip:
                skipped = min(self._skip, len(self._buffer))
                del self._buffer[:skipped]
                self._skip -= skipped
                if self._skip:
                    break
            request = self._next_request()
            if request is None:
                break
            self._answer(request)
        if self._waiting is None and not self._blocked and not self._closed:
            if self._ended:
                self.close()  # everything asked for is answered
            elif self._transport is not None:
                self._transport.resume_reading()

    def _next_request(self) -> Request | None:
        # Empty lines before a request line are ignored (RFC 9112 section 2.2).
        while self._buffer[:2] == b"\r\n" or self._buffer[:1] == b"\n":
            del self._buffer[:1 if self._buffer[:1] == b"\n" else 2]
        end = end_of_head(self._buffer)
        if end < 0 and len(self._buffer) <= MAX_HEAD:
            return None  # the rest of the head is still to come
        if end < 0 or end > MAX_HEAD:
            line_ends = self._buffer.find(b"\n", 0, MAX_HEAD) >= 0
            self._refuse(Refusal(431, "Request header fields too large") if line_ends
                         else Refusal(414, "Request-URI too long"))
            return None
        head = bytes(self._buffer[:end])
        del self._buffer[:end]
        parsed = parse_head(head)
        if isinstance(parsed, Refusal):
            self._refuse(parsed)
            return None
        return parsed

    def _answer(self, request: Request) -> None:
        length = body_length(request)
        if length is None and "transfer-encoding" not in request.headers:
            self._refuse(Refusal(400, "Bad Content-Length"))
            return
        self._skip = length or 0
        keep = request.keeps_alive() and length is not None  # a chunked body cannot be skipped
        if request.method not in ("GET", "HEAD"):
            self._send(request, self._server.app.refuse(Refusal(501, f"Unsupported method ({request.method[:20]!r})")),
                       keep=False, extra=(("Allow", "GET, HEAD"),))
            return
        if "100-continue" in request.headers.get("expect", "").lower() and self._skip:
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            answer = self._server.app.answer(request)
        except Exception:
            answer, keep = self._internal_error(request), False
        if isinstance(answer, Reply):
            self._send(request, answer, keep)
        else:
            self._waiting = self._loop.create_task(self._send_when_ready(request, answer, keep))

    async def _send_when_ready(self, request: Request, answer: Awaitable[Reply], keep: bool) -> None:
        try:
            reply = await answer
        except Exception:
            reply, keep = self._internal_error(request), False
        self._waiting = None
        self._send(request, reply, keep)
        if self._waiting is None:
            self._answer_buffered()

    def _internal_error(self, request: Request) -> Reply:
        # A bug: the client gets an answer, the terminal the traceback.
        log.exception("dev server: answering %s %s failed", request.method, request.target[:200])
        return self._server.app.refuse(Refusal(500, "Internal error (details in the terminal)"))

    def _send(self, request: Request, reply: Reply, keep: bool, extra: tuple[tuple[str, str], ...] = ()) -> None:
        if self._closed:
            return
        self._last_active = self._loop.time()
        if extra:
            reply = reply._replace(headers=reply.headers + extra)
        head_only = request.method == "HEAD"
        stream = reply.stream if not head_only else None
        if reply.stream is not None:
            keep = False
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s \"%s %s\" %d", self._peer(), request.method, request.target[:200], reply.status)
        if stream is not None:
            connection: str | None = "close"
            head = reply_head(reply, None, connection)
        else:
            connection = None if keep and request.version >= (1, 1) else ("keep-alive" if keep else "close")
            head = reply_head(reply, len(reply.body), connection)
        self._write(head if head_only else head + reply.body)
        if stream is not None:
            self._streaming = True
            self._waiting = self._loop.create_task(self._send_stream(stream))
        elif not keep:
            self.close()

    async def _send_stream(self, stream: AsyncIterator[bytes]) -> None:
        try:
            async for message in stream:
                if self._closed or self._transport is None:
                    break
                self._transport.write(message)
                if self._transport.get_write_buffer_size() > STREAM_BUFFER_LIMIT:
                    break  # the client stopped reading long ago
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()
            self.close()

    def _refuse(self, refusal: Refusal) -> None:
        """Answer a head that cannot be read, and close: what follows it cannot be read either."""
        self._buffer.clear()
        reply = self._server.app.refuse(refusal)
        self._write(reply_head(reply, len(reply.body), "close") + reply.body)
        self.close()

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._closed:
            self._transport.write(data)

    def _peer(self) -> str:
        peer = self._transport.get_extra_info("peername") if self._transport is not None else None
        return str(peer[0]) if isinstance(peer, tuple) else "-"
