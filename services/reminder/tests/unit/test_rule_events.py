"""A manager's change of a rule is published (reminder.rule_changed.v1), so that other services read the rule
from here: the reporting service's first-maintenance rate reads when first maintenance is due from it."""
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "boss")


def rule_events(events) -> list[dict]:
    return [(event.subject, event.data) for event in events() if event.type == "reminder.rule_changed.v1"]


def test_changing_resetting_adding_and_deleting_a_rule_publish_the_rule_as_it_stands(client, events):
    assert rule_events(events) == []  # the seeded rules publish nothing until a manager changes one
    changed = client.patch("/api/v1/reminders/rules/first_maintenance", headers=MANAGER,
                           json={"params": {"months": 4}})
    assert changed.status_code == 200, changed.text
    [(subject, data)] = rule_events(events)
    assert subject == "first_maintenance"
    assert {k: data[k] for k in ("rule", "rule_kind", "enabled", "params", "removed", "changed_by")} == {
        "rule": "first_maintenance", "rule_kind": "first_maintenance", "enabled": True,
        "params": {"months": 4, "km": 3000}, "removed": False, "changed_by": "boss"}
    assert client.post("/api/v1/reminders/rules/first_maintenance/reset", headers=MANAGER).status_code == 200
    assert rule_events(events)[-1][1]["params"] == {"months": 3, "km": 3000}
    created = client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "first_maintenance_fleet", "kind": "first_maintenance", "name": "车队首保", "params": {"months": 2}})
    assert created.status_code == 201, created.text
    subject, data = rule_events(events)[-1]
    assert (subject, data["params"], data["removed"]) == ("first_maintenance_fleet", {"months": 2, "km": 3000}, False)
    assert client.delete("/api/v1/reminders/rules/first_maintenance_fleet", headers=MANAGER).status_code == 204
    subject, data = rule_events(events)[-1]
    assert (subject, data["removed"], data["params"]["months"]) == ("first_maintenance_fleet", True, 2)
    assert len(rule_events(events)) == 4
