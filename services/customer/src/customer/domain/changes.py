"""What changed between two versions of a record, as kept in history and sent in events."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` with dates, datetimes and decimals as strings, so it can be stored and compared as JSON."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def diff(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each of `fields` whose value differs (missing counts as None)."""
    changes: dict[str, list[Any]] = {}
    for field in fields:
        old, new = jsonable(before.get(field)), jsonable(after.get(field))
        if old != new and not (_empty(old) and _empty(new)):
            changes[field] = [old, new]
    return changes
