"""SLA policies: managers keep them; the most specific one applies when a complaint is filed."""
from __future__ import annotations

from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "wang.manager")
AGENT = auth_headers("agent", "li.si")
PATH = "/api/v1/complaints/sla-policies"
QUALITY_SERIOUS = {"category": "quality", "severity": "serious", "acknowledge_minutes": 60, "respond_minutes": 240,
                   "resolve_minutes": 960, "first_callback_minutes": 480}


def test_the_seed_default_is_there(client):
    [general] = client.get(PATH, headers=AGENT).get_json()
    assert (general["category"], general["severity"]) == ("*", "*")
    assert (general["acknowledge_minutes"], general["respond_minutes"], general["resolve_minutes"],
            general["first_callback_minutes"]) == (480, 3 * 480, 5 * 480, 5 * 480)


def test_managers_create_change_and_delete_policies_and_others_may_not(client):
    assert client.post(PATH, json=QUALITY_SERIOUS, headers=AGENT).status_code == 403
    created = client.post(PATH, json=QUALITY_SERIOUS, headers=MANAGER)
    assert created.status_code == 201
    policy = created.get_json()
    assert policy["warn_percent"] == 20 and policy["updated_by"] == "wang.manager"
    assert client.post(PATH, json=QUALITY_SERIOUS, headers=MANAGER).status_code == 409
    changed = client.patch(f"{PATH}/{policy['id']}", json={"resolve_minutes": 480}, headers=MANAGER)
    assert changed.status_code == 200 and changed.get_json()["resolve_minutes"] == 480
    assert client.patch(f"{PATH}/{policy['id']}", json={"resolve_minutes": 0}, headers=MANAGER).status_code == 422
    assert client.delete(f"{PATH}/{policy['id']}", headers=MANAGER).status_code == 204
    assert client.get(f"{PATH}/{policy['id']}", headers=AGENT).status_code == 404


def test_the_general_policy_cannot_be_deleted(client):
    [general] = client.get(PATH, headers=AGENT).get_json()
    response = client.delete(f"{PATH}/{general['id']}", headers=MANAGER)
    assert response.status_code == 409


def test_bad_policies_are_422(client):
    response = client.post(PATH, headers=MANAGER, json={**QUALITY_SERIOUS, "category": "weather",
                                                         "respond_minutes": -5, "warn_percent": 100})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"category", "respond_minutes", "warn_percent"}


def test_the_most_specific_policy_sets_the_targets_of_a_new_complaint(client, file):
    client.post(PATH, json=QUALITY_SERIOUS, headers=MANAGER)
    client.post(PATH, json={**QUALITY_SERIOUS, "severity": "*", "resolve_minutes": 1200}, headers=MANAGER)
    specific = file(category="quality", severity="serious")
    by_category = file(category="quality", severity="minor")
    general = file(category="service", severity="minor")
    resolve_due = [c["sla"]["resolve"]["due_at"] for c in (specific, by_category, general)]
    assert resolve_due[0] < resolve_due[1] < resolve_due[2]
