"""Every two of the search's filters on PostgreSQL (whose queries differ from SQLite's): each pair answers and
finds exactly what both filters find alone. The filters, archive and check are the unit test's."""
from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "search_combinations", Path(__file__).parents[1] / "unit" / "test_api_search_combinations.py")
combinations = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(combinations)  # type: ignore[union-attr]
archive = combinations.archive


@pytest.fixture
def client(pg_app):
    """A test client of the app on PostgreSQL."""
    return pg_app.test_client()


def test_every_two_filters_find_the_customers_both_find_on_postgresql(client, archive):
    values = combinations.VALUES
    for first, second in itertools.combinations(values, 2):
        for q in values["q"] if "q" in (first, second) else [None]:
            filters = {first: values[first][0], second: values[second][0]}
            combinations.check_combination(client, {**filters, "q": q} if q else filters)
