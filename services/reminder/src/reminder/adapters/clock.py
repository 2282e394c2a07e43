"""Times as the database gives them back: SQLite forgets the offset of what was stored in UTC."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from servicekit.timestamps import as_utc  # naive values from SQLite are UTC


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """`moment` in UTC (naive taken as UTC): what is written, since SQLite keeps no offset."""
    moment = as_utc(moment)
    return None if moment is None else moment.astimezone(UTC)
