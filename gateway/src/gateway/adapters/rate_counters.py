"""Per-process fixed-window counters for the rate limits, used for the default `memory://` storage.

limits' own MemoryStorage sweeps expired counters on a timer thread that lives 10 ms, and starts a new one
on the next hit once it is gone: under steady traffic that is a new OS thread for nearly every request,
the largest single cost of the gateway's rate limiting. These counters expire lazily when read and are
swept on the calling thread at most once a second. Fixed windows only: the strategy the gateway uses.
"""
from __future__ import annotations

import threading
import time

from limits.storage import Storage

#: The scheme that selects these counters in a storage URI.
SCHEME = "gateway-memory"
#: Seconds between sweeps of expired counters (they are ignored once expired; sweeping only frees memory).
SWEEP_INTERVAL = 1.0


class ProcessCounters(Storage):
    """Counters in this process's memory: key -> (count, end of its window)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        """Nothing here talks to a server; no error is the storage's."""
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the counter of `key`, starting a new window of `expiry` s if the last one ended."""
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._counters = {k: entry for k, entry in self._counters.items() if entry[1] > now}
                self._next_sweep = now + SWEEP_INTERVAL
            count, ends = self._counters.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + expiry
            count += amount
            self._counters[key] = (count, ends)
            return count

    def get(self, key: str) -> int:
        """The count of `key` in its current window (0 once the window has ended)."""
        count, ends = self._counters.get(key, (0, 0.0))
        return count if ends > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the current window of `key` ends (now when there is none)."""
        now = time.time()
        _, ends = self._counters.get(key, (0, 0.0))
        return ends if ends > now else now

    def check(self) -> bool:
        """Always healthy: it is memory."""
        return True

    def reset(self) -> int:
        """Forget every counter; how many there were."""
        with self._lock:
            count, self._counters = len(self._counters), {}
        return count

    def clear(self, key: str) -> None:
        """Forget the counter of `key`."""
        with self._lock:
            self._counters.pop(key, None)
