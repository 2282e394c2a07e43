"""servicekit.bus.reconnecting: the one reconnect loop of the consumer and the console's live feed."""
from __future__ import annotations

import logging
import threading

from servicekit.bus import reconnecting


class Clock(threading.Event):
    """A stop event whose waits are recorded instead of slept."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


class Told(Exception):
    """An error that says itself what to do."""


def test_failures_wait_longer_each_time_up_to_the_cap_and_a_good_session_starts_again(caplog):
    stop, lost, outcomes = Clock(), [], iter([OSError, OSError, OSError, OSError, None, OSError, "stop"])

    def connected(stop_given: threading.Event) -> None:
        outcome = next(outcomes)
        if outcome == "stop":
            stop_given.set()
        elif outcome is not None:
            raise outcome("broker gone")

    with caplog.at_level(logging.WARNING):
        reconnecting(connected, stop, "test feed", max_backoff=3.0, on_lost=lambda: lost.append(1))
    assert stop.waits == [0.5, 1.0, 2.0, 3.0, 0.5]
    assert len(lost) == 5
    assert "test feed connection lost (OSError: broker gone); reconnecting in 0.5s" in caplog.text


def test_an_error_that_says_what_to_do_is_logged_as_it_is(caplog):
    stop = Clock()
    calls = []

    def connected(stop_given: threading.Event) -> None:
        calls.append(1)
        if len(calls) == 2:
            stop_given.set()
            return
        raise Told("Move the queue first.")

    with caplog.at_level(logging.WARNING):
        reconnecting(connected, stop, "consumer", told=(Told,))
    [record] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.getMessage() == "Move the queue first. Trying again in 0.5s."
    assert stop.waits == [0.5]


def test_a_connection_that_worked_for_a_while_is_lost_as_a_new_outage(monkeypatch):
    """A consumer up for hours that loses its broker node waits 0.5 s, not the doubled wait of the outages
    before (which once grew to 30 s over a day of node restarts)."""
    from servicekit import bus

    monkeypatch.setattr(bus, "HEALTHY_AFTER", 0.05)
    stop, outcomes = Clock(), iter(["fail", "fail", "fail", "lasted", "fail", "stop"])

    def connected(stop_given: threading.Event) -> None:
        outcome = next(outcomes)
        if outcome == "stop":
            stop_given.set()
            return
        if outcome == "lasted":
            threading.Event().wait(0.1)  # consuming for a while, then the node dies
        raise OSError("broker gone")

    reconnecting(connected, stop, "consumer")
    assert stop.waits == [0.5, 1.0, 2.0, 0.5, 1.0]
