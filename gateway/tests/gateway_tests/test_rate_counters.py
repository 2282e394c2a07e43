"""The in-process counters behind the default rate-limit storage."""
from __future__ import annotations

import threading

import pytest
from gateway.adapters import rate_counters
from gateway.adapters.rate_counters import ProcessCounters
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """A settable time.time() for the counters."""
    now = [1_000_000.0]
    monkeypatch.setattr(rate_counters.time, "time", lambda: now[0])
    return now


def test_a_window_allows_its_amount_then_starts_over_when_it_ends(clock):
    limiter = FixedWindowRateLimiter(ProcessCounters())
    limit = RateLimitItemPerMinute(2)
    assert [limiter.hit(limit, "user:li") for _ in range(3)] == [True, True, False]
    assert limiter.hit(limit, "user:wang"), "another caller has an allowance of its own"
    assert limiter.get_window_stats(limit, "user:li").reset_time == clock[0] + 60
    clock[0] += 60
    assert limiter.hit(limit, "user:li")


def test_expired_counters_are_swept_so_one_off_callers_do_not_pile_up(clock):
    counters = ProcessCounters()
    for n in range(100):
        counters.incr(f"address:10.0.0.{n}", 60)
    clock[0] += 61
    counters.incr("user:li", 60)
    assert counters.reset() == 1


def test_counting_starts_no_thread(clock, monkeypatch):
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    counters = ProcessCounters()
    for _ in range(50):
        counters.incr("user:li", 60)
        clock[0] += 0.02
    assert counters.get("user:li") == 50
    assert started == []


def test_the_gateway_counts_in_process_by_default(make_gateway):
    limiter = make_gateway().extensions["rate_limits"]
    assert isinstance(limiter.storage, ProcessCounters)
