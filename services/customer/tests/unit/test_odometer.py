"""An asset's odometer never goes backwards in time."""
from datetime import date

import pytest
from customer.domain.errors import InvalidFields
from customer.domain.odometer import Reading, check_reading

HISTORY = [Reading(1000, date(2024, 1, 1)), Reading(5000, date(2024, 6, 1))]


def test_a_higher_reading_later_is_fine():
    check_reading(HISTORY, Reading(7500, date(2024, 12, 1)))


def test_the_same_reading_again_is_fine():
    check_reading(HISTORY, Reading(5000, date(2024, 6, 2)))


def test_a_lower_reading_later_is_refused_naming_the_field():
    with pytest.raises(InvalidFields) as caught:
        check_reading(HISTORY, Reading(4000, date(2024, 7, 1)))
    assert "5000" in caught.value.errors["odometer_km"][0]


def test_a_backdated_reading_must_fit_between_its_neighbours():
    check_reading(HISTORY, Reading(3000, date(2024, 3, 1)))
    with pytest.raises(InvalidFields):
        check_reading(HISTORY, Reading(6000, date(2024, 3, 1)))
    with pytest.raises(InvalidFields):
        check_reading(HISTORY, Reading(900, date(2024, 3, 1)))


def test_negative_is_refused_and_first_reading_is_free():
    check_reading([], Reading(0, date(2024, 1, 1)))
    with pytest.raises(InvalidFields):
        check_reading([], Reading(-1, date(2024, 1, 1)))
