"""A TCP proxy a test cuts, resets, slows down or black-holes, to act out an outage or a bad network."""
from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator


class TcpProxy:
    """A TCP proxy to a real server that a test can cut and restore, to act out an outage, or trouble on the
    network: latency added to every chunk (`delay`), connections reset (`reset`), a black hole that holds every
    byte until it ends (`black_hole`, like a partition that heals within TCP's retransmissions)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._flowing = threading.Event()
        self._flowing.set()
        self.latency = 0.0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if self.latency:
                    time.sleep(self.latency)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _drop_all(self, reset: bool = False) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                if reset:  # a zero linger: the close sends a RST, not a FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # wakes the pipe threads' recv (a socket closed under a blocked recv stays open until it returns)
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def cut(self) -> None:
        """Drop every connection and refuse new ones (the server looks down)."""
        self._open.clear()
        self._drop_all()

    def restore(self) -> None:
        """Accept connections again."""
        self._open.set()

    def reset(self) -> None:
        """Reset every open connection (a RST on both sides); new ones are accepted as before."""
        self._drop_all(reset=True)

    @contextlib.contextmanager
    def delay(self, seconds: float) -> Iterator[None]:
        """Within the block, every chunk in either direction waits `seconds` before it is passed on."""
        self.latency = seconds
        try:
            yield
        finally:
            self.latency = 0.0

    @contextlib.contextmanager
    def black_hole(self) -> Iterator[None]:
        """Within the block, connections are accepted and nothing gets through either way; what was sent
        arrives when the block ends."""
        self._flowing.clear()
        try:
            yield
        finally:
            self._flowing.set()

    def close(self) -> None:
        """Stop the proxy."""
        self._flowing.set()
        self.cut()
        self._listener.close()
