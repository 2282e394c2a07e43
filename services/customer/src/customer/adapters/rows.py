"""The current time as the service writes it (rows read back go through servicekit.timestamps.as_utc)."""
from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)

