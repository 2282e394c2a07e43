"""Far dates and long periods are a 422 naming the field, never an overflow or a request that starves the
workers; segment pages by number stop where `after` takes over."""
from __future__ import annotations

import pytest
from reporting.app import create_app
from reporting.config import MAX_PERIOD_DAYS
from servicekit.config import Settings
from servicekit.testing import TEST_SECRET, auth_headers

VIEWER = auth_headers("viewer")


def refused(client, path: str, **query) -> dict:
    response = client.get(f"/api/v1/reports/{path}", query_string=query, headers=VIEWER)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json()["errors"]


@pytest.mark.parametrize("name", ["owners", "prospects", "callbacks", "value", "staff", "monthly"])
def test_dates_outside_1900_to_2199_are_refused_naming_them(client, name):
    errors = refused(client, name, **{"from": "0001-01-01", "to": "0001-01-31"})
    assert set(errors) == {"from", "to"} and "1900-01-01" in errors["from"][0]
    assert set(refused(client, name, **{"to": "9999-12-31"})) == {"to"}


def test_a_month_outside_the_range_is_refused_naming_it(client):
    assert "month" in refused(client, "monthly", month="0000-01")
    assert "month" in refused(client, "monthly", month="2200-01")
    assert client.get("/api/v1/reports/monthly", query_string={"month": "1900-01"}, headers=VIEWER).status_code == 200


def test_a_period_longer_than_the_setting_is_refused_naming_it_and_the_setting(client):
    errors = refused(client, "complaints", **{"from": "0394-11-22"})
    assert "from" in errors
    errors = refused(client, "callbacks", **{"from": "1900-01-01", "to": "2026-10-31"})
    assert MAX_PERIOD_DAYS in errors["from"][0]
    ten_years = {"from": "2016-11-01", "to": "2026-10-31"}
    assert client.get("/api/v1/reports/callbacks", query_string=ten_years, headers=VIEWER).status_code == 200


def app_with(database_url: str, tmp_path, longest: str):
    env = {"CRM_VAR_DIR": str(tmp_path / "var"), "CRM_AUTH_SECRET": TEST_SECRET, MAX_PERIOD_DAYS: longest}
    return create_app(Settings.from_env("reporting", env, database_url=database_url))


def test_the_longest_period_is_a_setting(database_url, tmp_path):
    client = app_with(database_url, tmp_path, "40").test_client()
    assert client.get("/api/v1/reports/monthly", query_string={"from": "2026-10-01", "to": "2026-11-09"},
                      headers=VIEWER).status_code == 200
    assert "40 days" in refused(client, "monthly", **{"from": "2026-10-01", "to": "2026-11-10"})["from"][0]


def test_an_unusable_longest_period_stops_the_service_at_start(database_url, tmp_path):
    for raw in ("ten years", "7"):
        with pytest.raises(ValueError, match=MAX_PERIOD_DAYS):
            app_with(database_url, tmp_path, raw)


def test_a_from_after_the_default_to_is_refused(client):
    assert "to" in refused(client, "owners", **{"from": "2199-01-01"})


def test_segment_pages_by_number_stop_at_ten_thousand_customers_deep(client):
    query = {"segment": "lost", "page_size": 200}
    assert "page" in refused(client, "value", page=51, **query)
    deepest = client.get("/api/v1/reports/value", query_string={**query, "page": 50}, headers=VIEWER)
    assert deepest.status_code == 200
