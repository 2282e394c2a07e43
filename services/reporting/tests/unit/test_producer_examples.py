"""The producers' published examples (docs/events/*.json) apply to the read model and show in the reports.

What reporting reads of each event is its own business; this keeps it honest against what the customer,
complaint and reminder services document they send.
"""
from datetime import date
from pathlib import Path

from reporting_figures import figures
from servicekit.events import parse_event

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "events"
ORDER = ("customer.created", "asset.registered", "visit.done", "customer.updated", "customer.tier_changed",
         "complaint.filed", "complaint.escalated", "complaint.assigned", "complaint.sla_warned",
         "complaint.sla_breached", "complaint.resolved", "complaint.callback_recorded", "complaint.survey_recorded",
         "complaint.closed", "reminder.due", "reminder.sent", "reminder.completed", "appointment.booked",
         "appointment.kept")


def example(name: str):
    return parse_event((EXAMPLES / f"{name}.v1.json").read_text(encoding="utf-8"))


def test_every_documented_event_the_reports_read_applies(apply, sessions):
    events = [example(name) for name in ORDER if (EXAMPLES / f"{name}.v1.json").exists()]
    assert len(events) == len(ORDER), "an example the reports rely on is gone from docs/events"
    assert set(apply(events)) == {"applied"}
    period = (date(2026, 1, 1), date(2027, 12, 31))
    seen = figures(sessions, *period)
    assert seen["customer-flow"]["totals"]["customers"] == 1
    assert seen["complaints"]["totals"]["complaints"] == 1
    assert seen["complaints"]["time_to_resolve_working_hours"]["median"] == 1395 // 60
    assert {s["target"] for s in seen["complaints"]["sla"]} >= {"acknowledge", "resolve"}
    technicians = {t["staff"]: t for t in seen["staff"]["technicians"]}
    assert technicians["zhao.liu"]["survey"]["skill"] == 4.0
    assert seen["callbacks"]["reminders"][0]["rule"] == "first_maintenance"
    assert seen["callbacks"]["reminders"][0]["converted"] == 1
    assert seen["callbacks"]["appointments"]["kept"] == 1


def test_merge_undo_and_erasure_examples_apply(apply, sessions):
    merged, unmerged, erased = (example(name) for name in ("customer.merged", "customer.unmerged", "customer.erased"))
    created = example("customer.created")
    assert set(apply([created, merged, unmerged, erased])) == {"applied"}
    from reporting.adapters.tables import customers
    from sqlalchemy import select
    with sessions() as session:
        row = session.execute(select(customers).where(customers.c.id == created.data["id"])).mappings().one()
    assert row["erased"] and row["name"] is None and row["phone"] is None
    assert row["merged_into"] is None
