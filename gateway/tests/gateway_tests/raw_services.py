"""Services on a raw socket for the gateway's tests: each connection served on its own thread, counted."""
from __future__ import annotations

import socket
import threading


class RawSocketService:
    """Listens on a free local port (`url`); `_serve(sock, connection_number)` answers each connection."""

    def __init__(self) -> None:
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock, self.connections), daemon=True).start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop accepting connections."""
        self._listener.close()
