"""Small conversions between database rows and the plain values the rest of the service uses."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` with its UTC offset (SQLite hands timestamps back without one)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def among(session: Session, column: Any, wanted: list[str]) -> ColumnElement[bool]:
    """`column` is one of `wanted`: on PostgreSQL one array parameter (a thousand IN parameters take longer
    to send and to plan than the lookup itself; even fifty cost a page of search a few milliseconds)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("wanted", wanted, type_=ARRAY(String)))
    return column.in_(wanted)
