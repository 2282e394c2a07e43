"""When first maintenance falls due is the reminder service's rule (3 months as seeded; a manager edits it):
the first-maintenance rate learns it from reminder.rule_changed.v1, as the reminder service publishes it."""
import json
from datetime import date
from pathlib import Path

import reporting_events as ev
from reporting.domain.first_maintenance import last_delivery_due, months_after_delivery
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from servicekit.events import parse_event

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "events" / "reminder.rule_changed.v1.json"
OCTOBER = Period(date(2026, 1, 1), date(2026, 10, 31))


def rule(rule_id: str, at: str, months: int, enabled: bool = True, removed: bool = False):
    data = {"rule": rule_id, "rule_kind": "first_maintenance", "enabled": enabled,
            "params": {"months": months, "km": 3000}, "removed": removed, "changed_by": "boss", "changed_at": at}
    return ev.event("reminder", "reminder.rule_changed.v1", rule_id, at, data)


def first_maintenance(sessions) -> dict:
    with sessions() as session:
        return reports.REPORTS["callbacks"](session, OCTOBER).data["first_maintenance"]


def test_the_due_day_follows_the_first_maintenance_rule_the_reminder_service_publishes(apply, sessions):
    apply([ev.customer("o1", "2026-01-05T02:00:00Z", kind="owner"),
           ev.vehicle("o1", "v1", "2026-06-15"), ev.vehicle("o1", "v2", "2026-07-31"),
           ev.vehicle("o1", "v3", "2026-08-01")])
    # nothing heard from the reminder service: the rule as it is seeded there, 3 months after delivery
    assert (first_maintenance(sessions)["deliveries_until"], first_maintenance(sessions)["delivered_due"]) == (
        "2026-07-31", 2)
    apply([rule("first_maintenance", "2026-11-02T01:30:00Z", 4)])
    assert (first_maintenance(sessions)["deliveries_until"], first_maintenance(sessions)["delivered_due"]) == (
        "2026-06-30", 1)
    # a second first-maintenance rule: the reminder comes at the sooner of the two
    apply([rule("first_maintenance_fleet", "2026-11-03T01:30:00Z", 2)])
    assert first_maintenance(sessions)["deliveries_until"] == "2026-08-31"
    assert first_maintenance(sessions)["delivered_due"] == 3
    # deleted again, and the built-in one switched off: its months still say when first maintenance is due
    apply([rule("first_maintenance_fleet", "2026-11-04T01:30:00Z", 2, removed=True),
           rule("first_maintenance", "2026-11-05T01:30:00Z", 4, enabled=False)])
    assert first_maintenance(sessions)["deliveries_until"] == "2026-06-30"


def test_the_published_example_applies(apply, sessions):
    example = parse_event(EXAMPLE.read_text(encoding="utf-8"))
    assert apply([example]) == ["applied"]
    months = json.loads(EXAMPLE.read_text(encoding="utf-8"))["data"]["params"]["months"]
    assert first_maintenance(sessions)["deliveries_until"] == last_delivery_due(OCTOBER.end, months).isoformat()
    assert months != 3


def test_months_are_calendar_months_as_the_reminder_service_counts_them():
    assert last_delivery_due(date(2026, 10, 31), 3) == date(2026, 7, 31)
    assert last_delivery_due(date(2026, 11, 30), 3) == date(2026, 8, 31)  # 31 August + 3 months = 30 November
    assert last_delivery_due(date(2027, 2, 28), 3) == date(2026, 11, 30)
    assert last_delivery_due(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_after_delivery([]) == 3
    assert months_after_delivery([{"enabled": False, "params": {"months": 5}},
                                  {"enabled": True, "params": {"months": 4}}]) == 4
