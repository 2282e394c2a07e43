"""py-amqp's socket use, tuned: many publishes' frames written with one system call, the socket read in chunks,
and a frame already read taken without a wait. Whatever py-amqp's internals turn out to be, each falls back to
py-amqp's own way.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from kombu import Connection


@contextlib.contextmanager
def coalesced_writes(connection: Connection, flush_at: int = 1 << 20) -> Iterator[None]:
    """Gather the frames of many publishes and write them with one system call (per MiB).

    py-amqp writes every message to the socket on its own; for a batch that is hundreds of system
    calls the broker does not need. This swaps the transport's raw write for a buffer while the
    block runs. If py-amqp's internals ever differ, it simply writes as before.
    """
    transport: Any = getattr(connection.connection, "transport", None)
    write = getattr(transport, "_write", None)
    if write is None:
        yield
        return
    buffer = bytearray()

    def gather(data) -> None:
        buffer.extend(data)  # copies: py-amqp reuses the memory it hands over
        if len(buffer) >= flush_at:
            write(bytes(buffer))
            buffer.clear()

    transport._write = gather
    try:
        yield
    finally:
        transport._write = write
        if buffer:
            write(bytes(buffer))


def read_in_chunks(connection: Connection, chunk: int = 16384) -> None:
    """Make py-amqp read the socket in chunks rather than frame part by frame part.

    py-amqp asks the socket for exactly the bytes of the next frame part: about nine system calls per
    message. Its reader already keeps surplus bytes for the next read, so asking for a chunk instead
    is safe on a plain TCP transport; any other transport is left as it is.
    """
    from amqp.transport import TCPTransport

    transport = getattr(connection.connection, "transport", None)
    if isinstance(transport, TCPTransport) and hasattr(transport, "_read_buffer"):
        recv = transport.sock.recv
        transport._quick_recv = lambda size: recv(max(size, chunk))


def frame_buffered(connection: Connection) -> bool:
    """True when a whole AMQP frame already sits in py-amqp's read buffer (see `read_in_chunks`).

    Reading it then needs no wait, so the caller can skip the socket timeout that py-amqp would set
    and reset around every read (two system calls per frame).
    """
    transport = getattr(connection.connection, "transport", None)
    buffer = getattr(transport, "_read_buffer", b"")
    if len(buffer) < 7:
        return False
    size = int.from_bytes(buffer[3:7], "big")  # type (1 octet), channel (2), size (4), payload, frame-end (1)
    return len(buffer) >= 7 + size + 1


def read_buffered(connection: Connection) -> int:
    """Dispatch every whole frame already in py-amqp's read buffer (see `read_in_chunks`), as `drain_events`
    would, without its per-frame wrappers and without a socket read; return how many were dispatched.

    A delivery is three frames (method, header, body); read in chunks, dozens of them arrive with one read.
    Any other transport (or py-amqp's internals otherwise): nothing is done here, `drain_events` reads them.
    """
    amqp_connection: Any = connection.connection
    transport: Any = getattr(amqp_connection, "transport", None)
    on_frame = getattr(amqp_connection, "_on_inbound_frame", None)
    read_frame = getattr(transport, "read_frame", None)
    if on_frame is None or read_frame is None or not hasattr(transport, "_read_buffer"):
        return 0
    count = 0
    while True:
        buffer = transport._read_buffer
        # type (1 octet), channel (2), size (4), payload, frame-end (1): as in `frame_buffered`
        if len(buffer) < 7 or len(buffer) < 8 + int.from_bytes(buffer[3:7], "big"):
            return count
        on_frame(read_frame())
        count += 1
