"""The SLA scan: a target near its deadline warns, a missed one breaches and escalates — once."""
from __future__ import annotations

from datetime import datetime, timedelta

from complaint.service_layer.scanner import scan
from prometheus_client import REGISTRY
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

AGENT = auth_headers("agent", "li.si")
VIEWER = auth_headers("viewer", "zhou.view")


def scan_at(app, moment: datetime) -> int:
    return scan(service_context(app).sessions, moment, limit=2)


def new_types(events, before: int) -> list[str]:
    return [event.type.split(".")[1] for event in events()[before:]]


def flagged(kind: str, target: str) -> float:
    return REGISTRY.get_sample_value("complaint_sla_flags_total", {"kind": kind, "target": target}) or 0.0


def test_a_missed_target_breaches_and_escalates_exactly_once(app, client, file, events):
    breaches_before = flagged("breached", "acknowledge")
    complaint = file()
    acknowledge_due = datetime.fromisoformat(complaint["sla"]["acknowledge"]["due_at"])
    before = len(events())
    assert scan_at(app, acknowledge_due - timedelta(minutes=1)) == 1
    assert new_types(events, before) == ["sla_warned"]
    assert scan_at(app, acknowledge_due - timedelta(seconds=30)) == 0  # warned once
    assert scan_at(app, acknowledge_due) == 1
    assert new_types(events, before) == ["sla_warned", "sla_breached", "escalated"]
    breached, escalated = events()[-2:]
    assert breached.data["target"] == "acknowledge" and breached.data["sla"]["acknowledge"]["breached"] is True
    assert escalated.data["level"] == "manager" and escalated.data["target"] == "acknowledge"
    for _ in range(3):
        scan_at(app, acknowledge_due + timedelta(minutes=5))
    assert new_types(events, before) == ["sla_warned", "sla_breached", "escalated"]
    assert flagged("breached", "acknowledge") == breaches_before + 1  # what operators see on /metrics
    shown = client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()
    assert shown["breached"] is True and shown["escalation_level"] == "manager"
    listed = client.get("/api/v1/complaints?breached=true", headers=VIEWER).get_json()
    assert [item["id"] for item in listed["items"]] == [complaint["id"]]
    steps = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    assert [step["actor"] for step in steps[1:]] == ["sla-scanner"] * 3


def test_a_second_breach_escalates_one_level_higher(app, file, events):
    complaint = file()
    resolve_due = datetime.fromisoformat(complaint["sla"]["resolve"]["due_at"])
    scan_at(app, resolve_due + timedelta(days=1))
    escalations = [event.data["level"] for event in events() if event.type == "complaint.escalated.v1"]
    assert escalations == ["manager", "general_manager"]


def test_a_met_target_never_breaches(app, client, file, events):
    complaint = file()
    client.post(f"/api/v1/complaints/{complaint['id']}/acknowledge", headers=AGENT)
    acknowledge_due = datetime.fromisoformat(complaint["sla"]["acknowledge"]["due_at"])
    before = len(events())
    scan_at(app, acknowledge_due + timedelta(minutes=1))
    assert new_types(events, before) == []


def test_nothing_breaches_while_waiting_on_the_customer_or_once_finished(app, client, file, events):
    waiting, rejected = file(), file()
    client.post(f"/api/v1/complaints/{waiting['id']}/pause", headers=AGENT, json={"reason": "等客户回电"})
    client.post(f"/api/v1/complaints/{rejected['id']}/reject", headers=AGENT, json={"findings": "不属实"})
    before = len(events())
    assert scan_at(app, datetime.fromisoformat(waiting["sla"]["resolve"]["due_at"]) + timedelta(days=30)) == 0
    assert new_types(events, before) == []


def test_many_due_complaints_are_scanned_in_batches(app, file, events):
    complaints = [file() for _ in range(5)]
    latest = max(datetime.fromisoformat(c["sla"]["acknowledge"]["due_at"]) for c in complaints)
    assert scan_at(app, latest) == 5
    breached = {event.subject for event in events() if event.type == "complaint.sla_breached.v1"}
    assert breached == {c["id"] for c in complaints}
