"""Odometer readings: an asset's mileage never goes backwards in time."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from customer.domain.errors import InvalidFields


@dataclass(frozen=True)
class Reading:
    """A mileage read on a given day."""

    km: int
    read_on: date


def check_reading(existing: Iterable[Reading], new: Reading, field: str = "odometer_km") -> None:
    """Raise InvalidFields unless `new` fits between the readings before and after its date."""
    if new.km < 0:
        raise InvalidFields.one(field, "An odometer reading cannot be negative.")
    for reading in existing:
        if reading.read_on <= new.read_on and new.km < reading.km:
            raise InvalidFields.one(field, f"The odometer cannot go backwards: {reading.km} km was read on "
                                           f"{reading.read_on.isoformat()}, {new.km} km on "
                                           f"{new.read_on.isoformat()} would be less.")
        if reading.read_on > new.read_on and new.km > reading.km:
            raise InvalidFields.one(field, f"The odometer cannot go backwards: {reading.km} km was read later, "
                                           f"on {reading.read_on.isoformat()}, so {new.km} km on "
                                           f"{new.read_on.isoformat()} is too much.")
