"""Whether a session token still stands: its user is active and its token version is the user's current one.

Read from the database at most once per user per MAX_AGE seconds in each process: a change made anywhere
reaches every worker and replica within that time, and a busy user costs one small query a second, not one a
request.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from gateway.service_layer import accounts

#: How stale, at most, a process's knowledge of a user's token version may be.
MAX_AGE = 1.0


class TokenStanding:
    """A per-process cache of each user's current token version (None: gone or inactive)."""

    def __init__(self, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int | None, float]] = {}

    def stands(self, sessions: sessionmaker[Session], username: str, version: int) -> bool:
        """True when a session token of `username` carrying `version` still stands."""
        now = self.clock()
        known = self._known.get(username)
        if known is None or now - known[1] > self.max_age:
            known = (accounts.token_standing(sessions, username), now)
            with self._lock:
                self._known[username] = known
        return known[0] == version

    def forget(self, username: str) -> None:
        """Read `username` afresh next time (this process just changed the user)."""
        with self._lock:
            self._known.pop(username, None)
