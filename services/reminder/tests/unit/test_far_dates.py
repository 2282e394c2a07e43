"""Every time the API takes, in the query or the body, lies between 1900 and 2199: a far one is a 422 naming
the field (it was an overflow, a 500, or a scan of everything)."""
import uuid

import pytest
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "boss")
FAR = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1899-12-31T23:00:00Z", "2200-01-01T00:00:00Z"]
SOME_ID = str(uuid.uuid4())
GOOD = "2026-12-01T09:00:00+08:00"


def _query(path, name, value, **others):
    return "get", path, {"query_string": {name: value, **others}}


CASES = {
    "due_from": lambda far: _query("/api/v1/reminders", "due_from", far),
    "due_to": lambda far: _query("/api/v1/reminders", "due_to", far),
    "from": lambda far: _query("/api/v1/reminders/kpis", "from", far, to=GOOD),
    "to": lambda far: _query("/api/v1/reminders/kpis", "to", far, **{"from": GOOD}),
    "appointments from": lambda far: _query("/api/v1/appointments", "from", far),
    "appointments to": lambda far: _query("/api/v1/appointments", "to", far),
    "scheduled_at": lambda far: ("post", "/api/v1/appointments", {"json": {
        "customer_id": SOME_ID, "purpose": "maintenance", "scheduled_at": far}}),
    "until": lambda far: ("post", f"/api/v1/reminders/{SOME_ID}/snooze", {"json": {"until": far}}),
    "due_at": lambda far: ("post", "/api/v1/reminders/broadcasts", {"json": {"message": "暴雨", "due_at": far}}),
}


@pytest.mark.parametrize("far", FAR)
@pytest.mark.parametrize("case", CASES)
def test_a_far_time_is_a_422_naming_the_field(client, case, far):
    method, path, options = CASES[case](far)
    response = getattr(client, method)(path, headers=MANAGER, **options)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    field = case.split()[-1]
    assert list(response.get_json()["errors"]) == [field]
    assert "1900-01-01 and 2199-12-31" in response.get_json()["errors"][field][0]
