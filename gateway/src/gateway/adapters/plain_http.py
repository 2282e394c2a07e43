"""A lean HTTP/1.1 exchange on a connection of the upstreams' urllib3 pools.

The gateway sends a prepared request line and a handful of headers, and reads back a status, a few headers and a
body. urllib3's urlopen, over http.client, does much more for every call (Retry and Timeout objects, header
checks one by one, the status and headers parsed through the email package, a response object of many layers):
in a profile of 2,000 proxied reads it was 5.9 of the gateway's 14.1 s. Here the request is one write and the
answer's head one split (1.1 s of 3.1 s, profiled the same way with it); the pools, with their idle expiry and
their check for a connection the service dropped, are urllib3's as before.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

import urllib3
from urllib3.exceptions import ConnectTimeoutError

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

#: Statuses whose answers have no body, whatever their headers say (RFC 9112 6.3).
NO_BODY = frozenset({204, 304})
#: What a request carries besides the caller's headers: the same as urllib3 sends.
USER_AGENT = f"python-urllib3/{urllib3.__version__}"
RECV = 65536
#: Longest answer head read (status line and headers).
MAX_HEAD = 256 * 1024


class UpstreamError(Exception):
    """An upstream gave no usable answer."""


class Unreachable(UpstreamError):
    """No connection could be made (refused, unresolvable or not accepted in time)."""


class TimedOut(UpstreamError):
    """The upstream did not answer (or send the rest of its answer) within the read timeout."""


class BrokenAnswer(UpstreamError):
    """The upstream closed the connection mid-answer or sent something that is not HTTP/1.1."""


class _Dropped(BrokenAnswer):
    """The connection was closed before a byte of the answer came back (a reused one the upstream had closed)."""


class Headers:
    """An answer's headers, in order; looked up case-insensitively, repeated ones joined by ", " as urllib3 does."""

    __slots__ = ("_joined", "pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        joined: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        self._joined = joined

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._joined

    def __getitem__(self, name: str) -> str:
        return self._joined[name.lower()]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of `name`, or `default`."""
        return self._joined.get(name.lower(), default)

    def pick(self, names: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        """(name, value) of each of `names` ((name, its lower case) pairs) that the answer has, in that order."""
        joined = self._joined
        return [(name, joined[key]) for name, key in names if key in joined]

    def getlist(self, name: str) -> list[str]:
        """Every value of `name`, in order (Set-Cookie cannot be joined)."""
        key = name.lower()
        return [value for each, value in self.pairs if each.lower() == key]


class Answer:
    """An upstream's answer: status and headers read, the body read on demand (`read`), the connection given back
    to its pool by `release_conn` (reusable once the body was read to its end)."""

    def __init__(self, pool: urllib3.HTTPConnectionPool, conn: BaseHTTPConnection, sock: socket.socket,
                 status: int, headers: Headers, rest: bytes, length: int | None, chunked: bool,
                 keep_alive: bool) -> None:
        self.status, self.headers = status, headers
        #: The body's length as declared (Content-Length; 0 when it has none), or None when it is not known.
        self.length = length
        self._pool, self._sock = pool, sock
        self._conn: BaseHTTPConnection | None = conn
        self._buffer = rest
        #: Decoded bytes of a chunk not handed out yet.
        self._pending = b""
        self._keep_alive = keep_alive
        #: Bytes of the body not read yet (Content-Length), or None: chunked, or up to the connection's close.
        self._left = length
        self._chunks: Iterator[bytes] | None = self._dechunk() if chunked else None
        self.complete = length == 0

    def read(self, amount: int = RECV) -> bytes:
        """Up to `amount` bytes of the body (at least one unless it has ended); b"" at its end."""
        if self.complete:
            return b""
        try:
            if self._chunks is not None:
                piece = self._pending or next(self._chunks, b"")
                piece, self._pending = piece[:amount], piece[amount:]
                if not piece:
                    self.complete = True
                return piece
            if not self._buffer:
                self._buffer = self._sock.recv(RECV if self._left is None else min(RECV, self._left))
                if not self._buffer:
                    if self._left is not None:
                        raise BrokenAnswer(f"the connection closed with {self._left} bytes of the body unsent")
                    self.complete, self._keep_alive = True, False  # the body was the rest of the connection
                    return b""
            take = amount if self._left is None else min(amount, self._left)
            piece, self._buffer = self._buffer[:take], self._buffer[take:]
            if self._left is not None:
                self._left -= len(piece)
                self.complete = self._left == 0
            return piece
        except TimeoutError:
            raise TimedOut("the body did not come in time") from None
        except OSError as exc:
            raise BrokenAnswer(f"the connection failed mid-body: {exc!r}") from None

    def read_all(self) -> bytes:
        """The whole (rest of the) body."""
        pieces = []
        while piece := self.read(RECV):
            pieces.append(piece)
        return b"".join(pieces)

    def _more(self) -> bytes:
        data = self._sock.recv(RECV)
        if not data:
            raise BrokenAnswer("the connection closed mid-chunk")
        return data

    def _line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            self._buffer += self._more()
        line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
        return line

    def _dechunk(self) -> Iterator[bytes]:
        """The pieces of a chunked body (RFC 9112 7.1), its trailers skipped."""
        while True:
            size_line = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BrokenAnswer(f"a bad chunk size {size_line!r}") from None
            if size == 0:
                while self._line():  # trailers, up to an empty line
                    pass
                return
            while len(self._buffer) < size + 2:
                self._buffer += self._more()
            piece, self._buffer = self._buffer[:size], self._buffer[size + 2:]
            yield piece

    def close(self) -> None:
        """Give up on the rest of the body: the connection cannot be reused."""
        self._keep_alive = False
        self.release_conn()

    def release_conn(self) -> None:
        """Give the connection back to its pool: open when the whole body was read, else closed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not (self.complete and self._keep_alive and not self._buffer):
            conn.close()  # reconnects on its next use
        self._pool._put_conn(conn)


def send(pool: urllib3.HTTPConnectionPool, method: str, target: str, headers: dict[str, str], body: bytes = b"",
         *, resend: bool = False) -> Answer:
    """Send one request on a connection of `pool` and read the head of its answer.

    With `resend`, a request on a reused connection that the upstream turns out to have closed before answering
    is sent once more on a fresh connection (only for methods that may be repeated: RFC 9110 9.2.2).
    Raises Unreachable, TimedOut or BrokenAnswer.
    """
    request = _request_bytes(pool, method, target, headers, body)
    conn = pool._get_conn()
    try:
        reused = getattr(conn, "sock", None) is not None
        if not reused:
            _connect(conn, pool.timeout)
        try:
            return _exchange(pool, conn, request, method)
        except _Dropped:
            if not (resend and reused):
                raise
        conn.close()
        _connect(conn, pool.timeout)
        return _exchange(pool, conn, request, method)
    except BaseException:
        conn.close()
        pool._put_conn(conn)
        raise


def _request_bytes(pool: urllib3.HTTPConnectionPool, method: str, target: str, headers: dict[str, str],
                   body: bytes) -> bytes:
    host = pool.host if pool.port in (None, 80 if pool.scheme == "http" else 443) else f"{pool.host}:{pool.port}"
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity", f"User-Agent: {USER_AGENT}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines)
    if "\n" in head.replace("\r\n", "") or "\r" in head.replace("\r\n", ""):
        raise ValueError("a request line or header holds a line break")
    return (head + "\r\n\r\n").encode("latin-1") + body


def _connect(conn: BaseHTTPConnection, timeout: urllib3.Timeout | float | None) -> None:
    connect = timeout.connect_timeout if isinstance(timeout, urllib3.Timeout) else timeout
    conn.timeout = urllib3.Timeout.resolve_default_timeout(connect)
    try:
        conn.connect()
    except ConnectTimeoutError as exc:  # NewConnectionError (refused, unresolvable) is one too
        raise Unreachable(repr(exc)) from None
    except OSError as exc:
        raise Unreachable(repr(exc)) from None


def _exchange(pool: urllib3.HTTPConnectionPool, conn: BaseHTTPConnection, request: bytes, method: str) -> Answer:
    sock: socket.socket = conn.sock  # type: ignore[attr-defined]  # urllib3's connections are http.client's
    timeout = pool.timeout
    read = timeout.read_timeout if isinstance(timeout, urllib3.Timeout) else timeout
    read = urllib3.Timeout.resolve_default_timeout(read)
    if sock.gettimeout() != read:
        sock.settimeout(read)
    received = b""
    try:
        sock.sendall(request)
        while True:
            while (end := received.find(b"\r\n\r\n")) < 0:
                data = sock.recv(RECV)
                if not data:
                    if received:
                        raise BrokenAnswer(f"the connection closed mid-head: {received[:80]!r}")
                    raise _Dropped("the connection closed before an answer")
                received += data
                if len(received) > MAX_HEAD:
                    raise BrokenAnswer("an answer head longer than the gateway reads")
            head, received = received[:end], received[end + 4:]
            status, version, pairs = _parse_head(head)
            if not 100 <= status < 200:
                break  # an interim answer (100 Continue, 103 Early Hints) is followed by the real one
    except TimeoutError:
        raise TimedOut("no answer in time") from None
    except (ConnectionResetError, BrokenPipeError) as exc:
        if received:
            raise BrokenAnswer(f"the connection failed mid-head: {exc!r}") from None
        raise _Dropped(repr(exc)) from None
    except OSError as exc:
        raise BrokenAnswer(f"the connection failed: {exc!r}") from None
    headers = Headers(pairs)
    tokens = (headers.get("Connection") or "").lower()
    keep_alive = version == b"HTTP/1.1" and "close" not in tokens
    length: int | None = None
    chunked = False
    if method == "HEAD" or status in NO_BODY:
        length = 0
    elif "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        chunked = True
    elif (declared := headers.get("Content-Length")) is not None:
        values = {value.strip() for value in declared.split(",")}
        if len(values) != 1 or not (value := values.pop()).isdigit():
            raise BrokenAnswer(f"a bad Content-Length {declared!r}")
        length = int(value)
    else:
        keep_alive = False  # the body is the rest of the connection
    return Answer(pool, conn, sock, status, headers, received, length, chunked, keep_alive)


def _parse_head(head: bytes) -> tuple[int, bytes, list[tuple[str, str]]]:
    status_line, _, fields = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise BrokenAnswer(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    pairs = []
    for line in fields.decode("latin-1").split("\r\n") if fields else ():
        name, colon, value = line.partition(":")
        if not colon or not name or name[-1] in " \t" or line[0] in " \t":
            raise BrokenAnswer(f"a malformed header line: {line[:80]!r}")
        pairs.append((name, value.strip(" \t")))
    return int(parts[1]), parts[0], pairs
