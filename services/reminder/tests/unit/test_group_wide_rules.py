"""Reminder rules are the dealer group's: a manager tied to stores may not change them; a manager of no
store and an admin may, on every route that changes one."""
import pytest
from servicekit.testing import auth_headers

STORE_MANAGER = auth_headers("manager", "sh.boss", stores=("sh01",))
GROUP_MANAGER = auth_headers("manager", "boss")
ADMIN = auth_headers("admin", "root")
RULES = "/api/v1/reminders/rules"
NEW_RULE = {"id": "callback_10d", "kind": "delivery_callback", "name": "十天回访", "params": {"days": 10}}


def _create(client, headers):
    return client.post(RULES, json=NEW_RULE, headers=headers)


def _change(client, headers):
    return client.patch(f"{RULES}/first_maintenance", json={"params": {"km": 5000}}, headers=headers)


def _reset(client, headers):
    return client.post(f"{RULES}/first_maintenance/reset", headers=headers)


def _delete(client, headers):
    assert _create(client, ADMIN).status_code == 201
    return client.delete(f"{RULES}/{NEW_RULE['id']}", headers=headers)


ROUTES = {"POST rules": (_create, 201), "PATCH rule": (_change, 200), "POST reset": (_reset, 200),
          "DELETE rule": (_delete, 204)}


@pytest.mark.parametrize("route", ROUTES)
def test_a_manager_tied_to_a_store_may_not_change_a_rule(client, route):
    call, _ = ROUTES[route]
    before = client.get(RULES, headers=GROUP_MANAGER).get_json()
    refused = call(client, STORE_MANAGER)
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert "every store" in refused.get_json()["detail"] and "sh01" in refused.get_json()["detail"]
    after = client.get(RULES, headers=GROUP_MANAGER).get_json()
    assert [rule for rule in after["items"] if rule["id"] != NEW_RULE["id"]] == before["items"]


@pytest.mark.parametrize("who", ["group manager", "admin"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_manager_of_no_store_and_an_admin_may(client, route, who):
    call, status = ROUTES[route]
    assert call(client, GROUP_MANAGER if who == "group manager" else ADMIN).status_code == status


def test_a_rule_added_twice_at_the_same_moment_is_a_409_for_the_second(client, monkeypatch):
    """Two requests for one new id both pass the existence check; the second's insert meets the first's row."""
    from reminder.adapters.reminder_rules import RuleRepository

    assert _create(client, ADMIN).status_code == 201
    monkeypatch.setattr(RuleRepository, "get_row", lambda *args, **kwargs: None)  # the check saw no rule yet
    second = _create(client, ADMIN)
    assert second.status_code == 409, second.get_json()
    assert second.get_json()["id"] == NEW_RULE["id"]
