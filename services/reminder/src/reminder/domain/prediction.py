"""When a vehicle's next service falls due, from its own odometer readings.

The driving rate is Siegel's repeated-median slope (https://doi.org/10.1093/biomet/69.1.242): for each
reading the median of its slopes to every other reading, then the median of those. With four readings
or more, one bad reading changes neither the rate nor the estimate of today's mileage. The service is
due when the interval's distance is reached or its time has passed, whichever comes first; without
mileage to go by, by time alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from reminder.domain.calendar import add_months

#: Readings older than this are not used for the rate: how a customer drives now is what counts.
WINDOW_DAYS = 730
#: The mean distance (km) of readings from the fitted line at which confidence is halved.
STRAY_KM = 500.0


@dataclass(frozen=True)
class Reading:
    """An odometer reading taken on a day."""

    read_on: date
    km: int


@dataclass(frozen=True)
class Rate:
    """How far a vehicle goes per day, and the mileage it is estimated to show on `today`."""

    km_per_day: float
    km_today: float
    readings: int
    stray_km: float

    @property
    def confidence(self) -> float:
        """0 to 1: grows with the number of readings (full at five), falls as they stray from the line."""
        return round(min(1.0, (self.readings - 1) / 4) / (1 + self.stray_km / STRAY_KM), 2)


@dataclass(frozen=True)
class Prediction:
    """When the next service is due, what decided it, and why in words."""

    due_on: date
    by: str  # "distance" or "time"
    km_per_day: float | None
    confidence: float
    reason: str


def driving_rate(readings: list[Reading], today: date) -> Rate | None:
    """The robust km per day and today's estimated mileage; None with fewer than two days of readings."""
    usable = [r for r in readings if today - timedelta(days=WINDOW_DAYS) <= r.read_on <= today]
    by_day: dict[date, int] = {}
    for reading in usable:  # one reading per day: the highest
        by_day[reading.read_on] = max(reading.km, by_day.get(reading.read_on, 0))
    points = sorted(by_day.items())
    if len(points) < 2:
        return None
    slopes = []
    for i, (day_i, km_i) in enumerate(points):
        slopes.append(median((km_j - km_i) / (day_j - day_i).days
                             for j, (day_j, km_j) in enumerate(points) if j != i))
    rate = max(0.0, median(slopes))
    # each reading carried forward to today at that rate; their median is today's mileage
    projected = [km + rate * (today - day).days for day, km in points]
    km_today = median(projected)
    stray = sum(abs(value - km_today) for value in projected) / len(projected)
    return Rate(km_per_day=rate, km_today=km_today, readings=len(points), stray_km=stray)


def _about(km: float) -> str:
    return f"{int(round(km, -1)):,}"


def predict_service(readings: list[Reading], last_service_on: date, last_service_km: int | None,
                    interval_km: int, interval_months: int, today: date, what: str = "service") -> Prediction:
    """The next service after the one on `last_service_on` (at `last_service_km`, when read).

    Never in the past: a service already overdue is due `today`.
    """
    by_time = add_months(last_service_on, interval_months)
    rate = driving_rate(readings, today)
    since = f"since last service on {last_service_on.isoformat()}" if what == "service" else \
        f"since {what} on {last_service_on.isoformat()}"
    if rate is None or rate.km_per_day <= 0:
        due = max(today, by_time)
        why = "no mileage to go by" if rate is None else "the odometer has not moved"
        return Prediction(due, "time", None if rate is None else 0.0, 0.0,
                          f"{interval_months} months {since} ({why}) → due {due.isoformat()}")
    base_km = last_service_km if last_service_km is not None else \
        rate.km_today - rate.km_per_day * (today - last_service_on).days
    driven = max(0.0, rate.km_today - base_km)
    remaining = base_km + interval_km - rate.km_today
    # may lie in the past: the day the distance was reached, for deciding which limit came first; a distance
    # beyond the time limit only needs to be known to be beyond it (a car barely driven would overflow dates)
    to_time_limit = (by_time - today).days
    days = math.ceil(remaining / rate.km_per_day)
    by_distance = today + timedelta(days=min(max(to_time_limit, 0) + 1, max(min(to_time_limit, 0) - 1, days)))
    per_day = f"{rate.km_per_day:.0f} km/day"
    if by_distance < by_time:
        due = max(today, by_distance)
        reason = f"about {_about(driven)} km {since} at {per_day} → {interval_km:,} km due {due.isoformat()}"
        return Prediction(due, "distance", rate.km_per_day, rate.confidence, reason)
    due = max(today, by_time)
    reason = (f"{interval_months} months {since} come before {interval_km:,} km "
              f"(about {_about(driven)} km so far at {per_day}) → due {due.isoformat()}")
    return Prediction(due, "time", rate.km_per_day, rate.confidence, reason)
