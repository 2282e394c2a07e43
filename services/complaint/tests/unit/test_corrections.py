"""Correcting a complaint's channel, category, subcategory, severity or description: with the version corrected
and a reason, kept on the timeline, published as complaint.corrected.v1; the SLA re-planned by the policy of the
new category and severity; a correction to serious escalates."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from complaint.domain.calendar import BusinessCalendar
from complaint.domain.complaints import Complaint
from complaint.domain.sla import SlaPolicy
from complaint.entrypoints.api.context import SETTINGS
from servicekit.db import outbox
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "wang.manager")
ADMIN = auth_headers("admin", "root")
VIEWER = auth_headers("viewer", "zhou.view")
CALENDAR = BusinessCalendar(lambda day: day.weekday() < 5)
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
DAY = 480


def patch(client, complaint, headers=AGENT, **body):
    return client.patch(f"/api/v1/complaints/{complaint['id']}", json=body, headers=headers)


def test_a_correction_changes_the_fields_keeps_the_reason_on_the_timeline_and_is_published(client, file, events):
    complaint = file(channel="phone", category="service", subcategory="waiting_time")
    corrected = patch(client, complaint, version=complaint["version"], reason="客户补充：是保养后异响",
                      category="quality", subcategory="repair_quality", channel="wechat",
                      description="保养后发动机异响")
    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    assert (body["category"], body["subcategory"], body["channel"], body["description"]) == (
        "quality", "repair_quality", "wechat", "保养后发动机异响")
    assert body["version"] == complaint["version"] + 1 and body["status"] == "filed"
    assert body["callbacks_needed"] == 2  # a quality complaint's rule now applies
    timeline = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    step = timeline[-1]
    assert step["action"] == "correct" and step["actor"] == "li.si"
    assert step["details"]["reason"] == "客户补充：是保养后异响"
    assert step["details"]["changes"]["category"] == ["service", "quality"]
    corrected_event = events()[-1]
    assert corrected_event.type == "complaint.corrected.v1" and corrected_event.subject == complaint["id"]
    assert corrected_event.data["changes"] == {
        "category": ["service", "quality"], "subcategory": ["waiting_time", "repair_quality"],
        "channel": ["phone", "wechat"], "description": ["保养等了三个小时", "保养后发动机异响"]}
    assert corrected_event.data["reason"] == "客户补充：是保养后异响"
    assert corrected_event.data["corrected_by"] == "li.si" and corrected_event.data["category"] == "quality"


def test_the_version_comes_from_if_match_or_the_body_and_a_stale_one_is_a_409(client, file, events):
    complaint = file()
    path = f"/api/v1/complaints/{complaint['id']}"
    missing = client.patch(path, json={"reason": "打错了", "severity": "minor"}, headers=AGENT)
    assert missing.status_code == 428
    etag = client.get(path, headers=VIEWER).headers["ETag"]
    assert etag == f'"{complaint["version"]}"'
    by_header = client.patch(path, json={"reason": "打错了", "severity": "minor"}, headers={**AGENT, "If-Match": etag})
    assert by_header.status_code == 200 and by_header.get_json()["severity"] == "minor"
    assert by_header.headers["ETag"] == f'"{complaint["version"] + 1}"'
    stale = client.patch(path, json={"reason": "再改", "severity": "normal", "version": complaint["version"]},
                         headers=AGENT)
    assert stale.status_code == 409 and stale.get_json()["current_version"] == complaint["version"] + 1
    disagree = client.patch(path, json={"reason": "再改", "severity": "normal", "version": 1},
                            headers={**AGENT, "If-Match": '"7"'})
    assert disagree.status_code == 422 and "version" in disagree.get_json()["errors"]
    assert [event.type for event in events()].count("complaint.corrected.v1") == 1


def test_bad_corrections_are_422s_naming_the_field_and_change_nothing(client, file, events):
    complaint = file()
    version = complaint["version"]
    no_reason = patch(client, complaint, version=version, severity="minor")
    assert no_reason.status_code == 422 and list(no_reason.get_json()["errors"]) == ["reason"]
    bad = patch(client, complaint, version=version, reason="x", channel="pigeon", severity="dire", description=" ")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"channel", "severity", "description"}
    same = patch(client, complaint, version=version, reason="x", severity="normal")
    assert same.status_code == 422 and "severity" in same.get_json()["errors"]
    nothing = patch(client, complaint, version=version, reason="x")
    assert nothing.status_code == 422
    unknown_subcategory = patch(client, complaint, version=version, reason="x", subcategory="weather")
    assert unknown_subcategory.status_code == 422 and "subcategory" in unknown_subcategory.get_json()["errors"]
    unknown_field = patch(client, complaint, version=version, reason="x", customer_id=complaint["customer_id"])
    assert unknown_field.status_code == 422 and "customer_id" in unknown_field.get_json()["errors"]
    assert client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()["version"] == version
    assert [event.type for event in events()] == ["complaint.filed.v1"]


def test_a_viewer_may_not_correct_and_another_store_is_out_of_reach(client, file, known_customer):
    complaint = file(customer_id=known_customer(store_id="sz01"))
    assert patch(client, complaint, VIEWER, version=1, reason="x", severity="minor").status_code == 403
    other_store = auth_headers("agent", "gz.agent", stores=("gz01",))
    assert patch(client, complaint, other_store, version=1, reason="x", severity="minor").status_code == 403


def test_a_correction_to_serious_escalates_to_the_general_manager_once(client, file, events):
    complaint = file(severity="normal")
    serious = patch(client, complaint, version=complaint["version"], reason="客户情绪激动，要求投诉到厂家",
                    severity="serious").get_json()
    assert serious["escalation_level"] == "general_manager"
    assert [event.type.split(".")[1] for event in events()] == ["filed", "corrected", "escalated"]
    escalated = events()[-1].data
    assert escalated["level"] == "general_manager" and escalated["target"] is None
    assert "severity corrected to serious" in escalated["reason"]
    critical = patch(client, serious, version=serious["version"], reason="更严重", severity="critical").get_json()
    assert critical["escalation_level"] == "general_manager"
    assert [event.type.split(".")[1] for event in events()][-1] == "corrected"  # already at the top: no second
    lowered = patch(client, critical, version=critical["version"], reason="误判", severity="minor").get_json()
    assert lowered["escalation_level"] == "general_manager"  # an escalation made is never lowered


def test_a_severity_correction_replans_running_targets_by_the_new_policy_and_leaves_met_ones(app, client, file):
    policy = {"category": "*", "severity": "serious", "acknowledge_minutes": 60, "respond_minutes": 120,
              "resolve_minutes": 2 * DAY, "first_callback_minutes": DAY}
    assert client.post("/api/v1/complaints/sla-policies", json=policy, headers=ADMIN).status_code == 201
    complaint = file(severity="normal")
    acknowledged = client.post(f"/api/v1/complaints/{complaint['id']}/acknowledge", headers=AGENT).get_json()
    serious = patch(client, acknowledged, version=acknowledged["version"], reason="升级", severity="serious").get_json()
    assert serious["sla"]["acknowledge"] == acknowledged["sla"]["acknowledge"]  # met: as it was
    old_due = datetime.fromisoformat(acknowledged["sla"]["resolve"]["due_at"])
    new_due = datetime.fromisoformat(serious["sla"]["resolve"]["due_at"])
    assert new_due < old_due  # 2 working days from filing instead of 5
    assert serious["sla"]["respond"]["due_at"] is None  # not started: it starts at assignment with the new budget
    assigned = client.post(f"/api/v1/complaints/{complaint['id']}/assign", headers=MANAGER,
                           json={"department": "after_sales", "assignee": "zhao.liu"}).get_json()
    respond_due = datetime.fromisoformat(assigned["sla"]["respond"]["due_at"])
    calendar = app.extensions[SETTINGS].calendar  # working time, whatever day and hour the test runs at
    assert calendar.working_time(datetime.fromisoformat(assigned["updated_at"]), respond_due) == timedelta(minutes=120)


def test_in_the_domain_a_breach_stays_recorded_and_a_warning_comes_again_for_a_later_line():
    complaint = Complaint.file(CALENDAR, id="c1", customer_id="u1", store_id=None, channel="phone",
                               category="service", subcategory=None, severity="normal", description="等了三个小时",
                               filed_at=START, filed_by="li.si",
                               policy=SlaPolicy("*", "*", acknowledge_minutes=60, resolve_minutes=DAY))
    complaint.happened.clear()
    complaint.check_sla(START + timedelta(minutes=50))  # acknowledge warned (20 % left)
    complaint.check_sla(START + timedelta(hours=2))  # acknowledge breached
    assert complaint.clocks.targets["acknowledge"].breached
    complaint.check_sla(START + timedelta(hours=7, minutes=30))  # resolve warned (16:30 local, due 18:00)
    assert complaint.clocks.targets["resolve"].warned
    roomy = SlaPolicy("*", "minor", acknowledge_minutes=5 * DAY, resolve_minutes=5 * DAY)
    changes = complaint.correct(CALENDAR, START + timedelta(hours=7, minutes=35), "li.si", {"severity": "minor"},
                                "误判", roomy)
    assert changes == {"severity": ["normal", "minor"]}
    acknowledge, resolve = complaint.clocks.targets["acknowledge"], complaint.clocks.targets["resolve"]
    assert acknowledge.breached and acknowledge.minutes == 5 * DAY  # the breach was published: it stays
    assert resolve.minutes == 5 * DAY and not resolve.warned and not resolve.breached
    assert resolve.due_at == CALENDAR.deadline(START, timedelta(minutes=5 * DAY), [])
    assert [step.event for step in complaint.happened][-1] == "corrected"


def test_erasure_blanks_the_corrected_description_in_the_timeline_and_the_kept_events(app, client, file):
    from complaint.entrypoints.consumer import QUEUE, apply_customer_event
    from servicekit.consumer import apply_once
    from servicekit.events import new_event

    complaint = file(description="王芳说等了三个小时")
    patch(client, complaint, version=complaint["version"], reason="王芳补充", description="王芳 13912345678 说异响")
    now = datetime.now(UTC).isoformat()
    apply_once(service_context(app).sessions, QUEUE,
               new_event("customer", "customer.erased.v1", complaint["customer_id"],
                         {"customer_id": complaint["customer_id"], "erased_at": now}), apply_customer_event)
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body)).scalars().all()
    assert bodies and not any("王芳" in (b if isinstance(b, str) else b.decode()) for b in bodies)
    corrected = [json.loads(b) for b in bodies if b"corrected" in (b if isinstance(b, bytes) else b.encode())]
    assert corrected[0]["data"]["changes"]["description"] == ["[erased]", "[erased]"]
    timeline = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    assert "王芳" not in json.dumps(timeline, ensure_ascii=False)
