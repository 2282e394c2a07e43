"""Timestamps as the database hands them back: SQLite keeps no offset, and what it gives back naive was
stored in UTC (PostgreSQL's timestamptz comes back aware and passes through unchanged)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, overload


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` with its UTC offset when it has none (None stays None); an aware one is left as it is."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def with_utc(values: Mapping[Any, Any]) -> dict[str, Any]:
    """A row's values as a dict, every naive datetime among them given its UTC offset."""
    return {key: as_utc(value) if isinstance(value, datetime) else value for key, value in values.items()}
