"""Small conversions between database rows and the plain values the rest of the service uses."""
from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` with its UTC offset (SQLite hands timestamps back without one)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)

