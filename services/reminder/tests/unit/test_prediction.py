"""The maintenance prediction: concrete cases and properties (monotone in distance, never in the past,
robust to one bad reading, a clean date-only fallback)."""
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reminder.domain.prediction import Reading, driving_rate, predict_service

TODAY = date(2026, 11, 22)


def line(start_km: int, per_day: float, days: list[int]) -> list[Reading]:
    """Readings of a car driven `per_day` km a day, on the given days before TODAY."""
    return [Reading(TODAY - timedelta(days=ago), int(start_km + per_day * (max(days) - ago))) for ago in days]


def test_due_by_distance_with_the_reason_in_words():
    # serviced 120 days ago at 20,000 km, 41 km a day since: 4,920 km so far, 5,000 km in two more days
    readings = line(20_000, 41, [120, 90, 60, 30, 0])
    prediction = predict_service(readings, TODAY - timedelta(days=120), 20_000, 5_000, 6, TODAY)
    assert prediction.by == "distance"
    assert prediction.due_on == TODAY + timedelta(days=2)
    assert prediction.reason == (f"about 4,920 km since last service on {TODAY - timedelta(days=120)} "
                                 f"at 41 km/day → 5,000 km due {TODAY + timedelta(days=2)}")
    assert prediction.confidence == 1.0


def test_due_by_time_when_the_car_is_driven_little():
    readings = line(10_000, 5, [60, 30, 0])
    prediction = predict_service(readings, date(2026, 9, 23), 10_000, 5_000, 6, TODAY)
    assert prediction.by == "time" and prediction.due_on == date(2027, 3, 23)
    assert "6 months since last service on 2026-09-23 come before 5,000 km" in prediction.reason


def test_without_mileage_it_falls_back_to_the_date():
    prediction = predict_service([], date(2026, 10, 31), None, 5_000, 4, TODAY)
    assert (prediction.due_on, prediction.by, prediction.confidence) == (date(2027, 2, 28), "time", 0.0)
    assert prediction.reason == "4 months since last service on 2026-10-31 (no mileage to go by) → due 2027-02-28"
    one = predict_service([Reading(TODAY, 9_000)], date(2026, 10, 31), None, 5_000, 4, TODAY)
    assert one.due_on == date(2027, 2, 28) and one.confidence == 0.0


def test_an_overdue_service_is_due_today_not_in_the_past():
    readings = line(0, 100, [200, 100, 0])
    prediction = predict_service(readings, TODAY - timedelta(days=200), 0, 5_000, 6, TODAY)
    assert prediction.due_on == TODAY and prediction.by == "distance"


def test_one_bad_reading_does_not_move_the_rate():
    good = line(30_000, 50, [100, 75, 50, 25, 0])
    bad = list(good)
    bad[2] = Reading(bad[2].read_on, bad[2].km + 9_000)  # 9,000 km too many typed on one day
    assert driving_rate(good, TODAY).km_per_day == driving_rate(bad, TODAY).km_per_day == 50
    assert driving_rate(bad, TODAY).km_today == driving_rate(good, TODAY).km_today
    assert driving_rate(bad, TODAY).confidence < 1.0


readings_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=700), st.integers(min_value=0, max_value=300)),
    min_size=0, max_size=8, unique_by=lambda pair: pair[0])


def as_readings(pairs: list[tuple[int, int]], start_km: int = 1_000) -> list[Reading]:
    """Monotone readings: (days ago, km driven since the previous reading)."""
    readings, km = [], start_km
    for ago, step in sorted(pairs, reverse=True):
        km += step * 10
        readings.append(Reading(TODAY - timedelta(days=ago), km))
    return readings


@settings(max_examples=200, deadline=None)
@given(pairs=readings_strategy, service_ago=st.integers(min_value=0, max_value=800),
       interval_km=st.integers(min_value=500, max_value=20_000), extra=st.integers(min_value=1, max_value=20_000),
       months=st.integers(min_value=1, max_value=24))
def test_a_longer_interval_is_never_due_earlier(pairs, service_ago, interval_km, extra, months):
    readings = as_readings(pairs)
    service_on = TODAY - timedelta(days=service_ago)
    shorter = predict_service(readings, service_on, 1_000, interval_km, months, TODAY)
    longer = predict_service(readings, service_on, 1_000, interval_km + extra, months, TODAY)
    assert longer.due_on >= shorter.due_on


@settings(max_examples=200, deadline=None)
@given(pairs=readings_strategy, service_ago=st.integers(min_value=0, max_value=800),
       interval_km=st.integers(min_value=500, max_value=20_000), more=st.integers(min_value=1, max_value=5_000))
def test_more_distance_driven_is_never_due_later(pairs, service_ago, interval_km, more):
    assume(pairs)
    readings = as_readings(pairs)
    driven_more = readings[:-1] + [Reading(readings[-1].read_on, readings[-1].km + more)]
    service_on = TODAY - timedelta(days=service_ago)
    assert predict_service(driven_more, service_on, 1_000, interval_km, 6, TODAY).due_on <= \
        predict_service(readings, service_on, 1_000, interval_km, 6, TODAY).due_on


@settings(max_examples=200, deadline=None)
@given(pairs=readings_strategy, service_ago=st.integers(min_value=0, max_value=800),
       last_km=st.one_of(st.none(), st.integers(min_value=0, max_value=5_000)),
       interval_km=st.integers(min_value=500, max_value=20_000), months=st.integers(min_value=1, max_value=24))
def test_never_in_the_past_and_never_after_the_time_limit(pairs, service_ago, last_km, interval_km, months):
    from reminder.domain.calendar import add_months

    service_on = TODAY - timedelta(days=service_ago)
    prediction = predict_service(as_readings(pairs), service_on, last_km, interval_km, months, TODAY)
    assert prediction.due_on >= TODAY
    assert prediction.due_on <= max(TODAY, add_months(service_on, months))
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.reason.endswith(prediction.due_on.isoformat())


@settings(max_examples=100, deadline=None)
@given(service_ago=st.integers(min_value=0, max_value=800), months=st.integers(min_value=1, max_value=24))
def test_without_readings_it_is_exactly_the_date_rule(service_ago, months):
    from reminder.domain.calendar import add_months

    service_on = TODAY - timedelta(days=service_ago)
    prediction = predict_service([], service_on, None, 5_000, months, TODAY)
    assert prediction.due_on == max(TODAY, add_months(service_on, months))
    assert (prediction.by, prediction.km_per_day, prediction.confidence) == ("time", None, 0.0)
