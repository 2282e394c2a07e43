"""Marshmallow fields for dates and times a person could mean, and nothing else.

A date outside [EARLIEST, LATEST] is a 422 naming the range: far dates overflow date arithmetic
(`date.max + 1 day`) and a range reaching back centuries makes one request scan everything.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

from marshmallow import ValidationError, fields

from servicekit.timestamps import as_utc

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_RANGE = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def _in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(f"Must be a date {_RANGE}.")


class Day(fields.Date):
    """A calendar day (YYYY-MM-DD) between EARLIEST and LATEST."""

    def __init__(self, **kwargs) -> None:
        kwargs["validate"] = [_in_range, *_as_list(kwargs.get("validate"))]
        super().__init__(**kwargs)


class Instant(fields.AwareDateTime):
    """A moment with its UTC offset (naive input is taken as UTC) between EARLIEST and LATEST."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("default_timezone", UTC)
        kwargs["validate"] = [_in_range, *_as_list(kwargs.get("validate"))]
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        # Always written with its offset: a time read back naive (SQLite keeps none) was stored as UTC.
        if isinstance(value, datetime):
            value = as_utc(value)
        return super()._serialize(value, attr, obj, **kwargs)


class Month(fields.String):
    """A calendar month, YYYY-MM, between EARLIEST and LATEST; loaded as the month's first day."""

    PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("pattern", self.PATTERN.pattern)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:  # type: ignore[override]  # a month loads as a date
        match = self.PATTERN.match(super()._deserialize(value, attr, data, **kwargs))
        if match is None or not EARLIEST.year <= int(match[1]) <= LATEST.year:
            raise ValidationError(f"Use YYYY-MM, a month {_RANGE}.")
        return date(int(match[1]), int(match[2]), 1)


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, list | tuple) else [validators]


class Flag(fields.Boolean):
    """A JSON true or false, and nothing else: 0, 1, "true" or "no" in a body are a 422, not taken as a flag."""

    default_error_messages = {"invalid": "Not a boolean: use true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Coded(fields.String):
    """One code of a vocabulary, given as the code or as what staff call it (`labels`: code → Chinese label, e.g.
    `保养` for `maintenance`); loaded as the code. Anything else is a 422 listing both."""

    def __init__(self, labels: dict[str, str], **kwargs) -> None:
        self.labels = labels
        self.codes = {label: code for code, label in labels.items()} | {code: code for code in labels}
        choices = ", ".join(f"{code} ({label})" for code, label in labels.items())
        super().__init__(**kwargs)
        self.error_messages["unknown"] = f"Must be one of: {choices}."

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if text not in self.codes:
            raise self.make_error("unknown")
        return self.codes[text]
