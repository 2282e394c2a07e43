"""Dates a person could mean load; far dates are refused with the range named."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from marshmallow import Schema, ValidationError
from servicekit.fields import Day, Instant, Month


class Period(Schema):
    day = Day()
    at = Instant()
    month = Month()


def test_dates_in_range_load_and_a_naive_time_is_utc():
    loaded = Period().load({"day": "2026-12-03", "at": "2026-12-03T08:00:00", "month": "2026-02"})
    assert loaded == {"day": date(2026, 12, 3), "at": datetime(2026, 12, 3, 8, tzinfo=UTC),
                      "month": date(2026, 2, 1)}


@pytest.mark.parametrize("field, value", [
    ("day", "0001-01-01"), ("day", "9999-12-31"), ("at", "0394-11-22T00:00:00Z"),
    ("month", "0000-01"), ("month", "2026-13"), ("month", "9999-12"),
])
def test_a_far_or_malformed_date_names_the_field_and_the_range(field, value):
    with pytest.raises(ValidationError) as raised:
        Period().load({field: value})
    assert list(raised.value.messages) == [field]
    assert "1900-01-01" in raised.value.messages[field][0]
