"""Filing and moving complaints through the API: what a caller sees, and the events that go out."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "wang.manager")
VIEWER = auth_headers("viewer", "zhou.view")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(client, complaint_id, action, body=None, headers=AGENT):
    return client.post(f"/api/v1/complaints/{complaint_id}/{action}", json=body or {}, headers=headers)


RESOLUTION = {"resolution": "致歉并赠送一次免费保养", "remedy_cost": "680.00", "responsible_party": "after_sales"}
ASSIGNMENT = {"department": "after_sales", "assignee": "zhao.liu"}
SURVEY = {"attitude": "satisfied", "skill": "satisfied", "timeliness": "satisfied", "promise_kept": "satisfied",
          "staff": ["zhao.liu"]}


def test_filing_answers_201_with_status_filed_and_every_sla_due_time(file, events):
    complaint = file()
    assert complaint["status"] == "filed" and complaint["id"]
    assert set(complaint["sla"]) == {"acknowledge", "respond", "resolve", "first_callback"}
    acknowledge, resolve = (datetime.fromisoformat(complaint["sla"][t]["due_at"]) for t in ("acknowledge", "resolve"))
    assert datetime.fromisoformat(complaint["filed_at"]) < acknowledge < resolve
    assert complaint["sla"]["respond"]["due_at"] is None  # starts at assignment
    assert complaint["allowed_next"] == ["acknowledge", "reject"]
    [filed] = events()
    assert filed.type == "complaint.filed.v1" and filed.subject == complaint["id"]
    assert filed.data["description"] == "保养等了三个小时" and filed.data["status"] == "filed"


def test_an_unknown_customer_is_a_422_that_says_so_and_files_nothing(client, events):
    response = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": "2b1c6a0e-0000-4000-8000-000000000001", "channel": "phone", "category": "service",
        "severity": "normal", "description": "x"})
    assert response.status_code == 422
    body = response.get_json()
    assert "Unknown customer" in body["errors"]["customer_id"][0]
    assert response.content_type == "application/problem+json"
    assert events() == []
    assert client.get("/api/v1/complaints", headers=VIEWER).get_json()["total"] == 0


def test_bad_input_is_a_422_naming_each_field(client, known_customer):
    response = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": known_customer(), "channel": "pigeon", "category": "service", "severity": "dire",
        "description": "   "})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"channel", "severity", "description"}


def test_subcategories_are_the_configured_ones(client, file, known_customer):
    assert file(subcategory="waiting_time")["subcategory"] == "waiting_time"
    response = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": known_customer(), "channel": "phone", "category": "service", "severity": "normal",
        "subcategory": "weather", "description": "下雨"})
    assert response.status_code == 422 and "waiting_time" in response.get_json()["errors"]["subcategory"][0]


def test_the_store_comes_from_the_customer_copy(file, known_customer, client):
    complaint = file(customer_id=known_customer(store_id="store-sz-01"))
    assert complaint["store_id"] == "store-sz-01"
    file()
    listing = client.get("/api/v1/complaints?store_id=store-sz-01", headers=VIEWER).get_json()
    assert [item["id"] for item in listing["items"]] == [complaint["id"]]


def test_a_wrong_move_is_a_409_naming_the_allowed_next_steps_and_changes_nothing(client, file, events):
    complaint = file()
    response = post(client, complaint["id"], "resolve", RESOLUTION)
    assert response.status_code == 409
    body = response.get_json()
    assert body["allowed_next"] == ["acknowledge", "reject"] and body["complaint_status"] == "filed"
    assert "Cannot resolve a complaint that is filed" in body["detail"]
    after = client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()
    assert after["status"] == "filed" and after["version"] == complaint["version"]
    assert [event.type for event in events()] == ["complaint.filed.v1"]


def test_the_whole_loop_with_an_unsatisfied_callback_then_a_satisfied_one(client, file, events):
    complaint = file()
    cid = complaint["id"]
    assert post(client, cid, "acknowledge").get_json()["sla"]["acknowledge"]["met_at"]
    assigned = post(client, cid, "assign", ASSIGNMENT, MANAGER).get_json()
    assert assigned["status"] == "assigned" and assigned["sla"]["respond"]["due_at"]
    assert post(client, cid, "start").get_json()["status"] == "in_progress"
    resolved = post(client, cid, "resolve", RESOLUTION).get_json()
    assert resolved["status"] == "resolved" and resolved["remedy_cost"] == "680.00"
    assert resolved["sla"]["first_callback"]["due_at"]
    closing_early = post(client, cid, "close")
    assert closing_early.status_code == 409 and closing_early.get_json()["allowed_next"] == ["callbacks", "reopen"]
    reopened = post(client, cid, "callbacks", {"channel": "phone", "satisfaction": "unsatisfied",
                                                "comment": "赠送的保养不想要"}).get_json()
    assert reopened["status"] == "reopened" and reopened["allowed_next"] == ["assign"]
    post(client, cid, "assign", ASSIGNMENT, MANAGER)
    post(client, cid, "resolve", {**RESOLUTION, "remedy_cost": "1200.50"})
    post(client, cid, "callbacks", {"channel": "phone", "satisfaction": "satisfied"})
    post(client, cid, "survey", SURVEY)
    closed = post(client, cid, "close").get_json()
    assert closed["status"] == "closed" and closed["allowed_next"] == []
    assert [event.type.split(".")[1] for event in events()] == [
        "filed", "assigned", "resolved", "callback_recorded", "reopened", "assigned", "resolved",
        "callback_recorded", "survey_recorded", "closed"]
    by_type = {event.type: event for event in events()}
    assert by_type["complaint.closed.v1"].data["satisfaction"] == "satisfied"
    assert by_type["complaint.resolved.v1"].data["remedy_cost"] == "1200.50"
    callback = [e for e in events() if e.type == "complaint.callback_recorded.v1"]
    assert [e.data["status"] for e in callback] == ["callback", "callback"]
    assert [e.data["callback_number"] for e in callback] == [1, 1]
    timeline = client.get(f"/api/v1/complaints/{cid}/timeline", headers=VIEWER).get_json()
    assert [step["action"] for step in timeline["items"]] == [
        "file", "acknowledge", "assign", "start", "resolve", "callbacks", "reopen", "assign", "resolve", "callbacks",
        "survey", "close"]
    assert timeline["items"][2]["actor"] == "wang.manager" and timeline["items"][0]["actor"] == "li.si"
    callbacks = client.get(f"/api/v1/complaints/{cid}/callbacks", headers=VIEWER).get_json()
    assert [(c["round"], c["satisfaction"]) for c in callbacks] == [(1, "unsatisfied"), (2, "satisfied")]


def test_reject_returns_findings_and_finishes_the_complaint(client, file, events):
    complaint = file()
    rejected = post(client, complaint["id"], "reject", {"findings": "监控显示与投诉不符"}).get_json()
    assert rejected["status"] == "rejected" and rejected["allowed_next"] == []
    assert events()[-1].type == "complaint.rejected.v1"
    assert events()[-1].data["findings"] == "监控显示与投诉不符"
    assert post(client, complaint["id"], "acknowledge").status_code == 409


def test_a_serious_complaint_is_escalated_when_filed(file, events):
    complaint = file(severity="critical")
    assert complaint["escalation_level"] == "general_manager"
    assert [event.type for event in events()] == ["complaint.filed.v1", "complaint.escalated.v1"]
    assert events()[1].data["level"] == "general_manager" and events()[1].data["target"] is None


def test_roles_are_enforced(client, file):
    complaint = file()
    assert post(client, complaint["id"], "acknowledge", headers=VIEWER).status_code == 403
    post(client, complaint["id"], "acknowledge")
    assert post(client, complaint["id"], "assign", ASSIGNMENT, AGENT).status_code == 403
    assert client.get(f"/api/v1/complaints/{complaint['id']}").status_code == 401


def test_unknown_complaints_are_404(client):
    missing = "2b1c6a0e-0000-4000-8000-000000000009"
    assert client.get(f"/api/v1/complaints/{missing}", headers=VIEWER).status_code == 404
    assert post(client, missing, "acknowledge").status_code == 404
    assert client.get(f"/api/v1/complaints/{missing}/timeline", headers=VIEWER).status_code == 404


def test_a_step_with_bad_fields_is_a_422(client, file):
    complaint = file()
    post(client, complaint["id"], "acknowledge")
    post(client, complaint["id"], "assign", ASSIGNMENT, MANAGER)
    response = post(client, complaint["id"], "resolve", {"resolution": "ok", "remedy_cost": "-1",
                                                          "responsible_party": ""})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"remedy_cost", "responsible_party"}
    callback = post(client, complaint["id"], "callbacks", {"channel": "phone", "satisfaction": "meh"})
    assert callback.status_code == 422


def test_pausing_while_waiting_on_the_customer_stops_the_clock(client, file):
    complaint = file()
    paused = post(client, complaint["id"], "pause", {"reason": "等待客户提供维修单据"}).get_json()
    assert paused["waiting_on_customer"] is True
    assert paused["sla"]["resolve"]["due_at"] is None
    assert post(client, complaint["id"], "pause", {"reason": "again"}).status_code == 409
    resumed = post(client, complaint["id"], "resume").get_json()
    assert resumed["waiting_on_customer"] is False
    assert resumed["sla"]["resolve"]["due_at"] >= complaint["sla"]["resolve"]["due_at"]
    assert post(client, complaint["id"], "resume").status_code == 409


def test_the_survey_of_a_resolved_complaint_is_stored_and_emitted(client, file, events):
    complaint = file()
    survey = {"attitude": "satisfied", "skill": "very_satisfied", "timeliness": "unsatisfied",
              "promise_kept": "satisfied", "staff": ["zhao.liu"], "comment": "师傅很专业"}
    assert post(client, complaint["id"], "survey", survey).status_code == 409
    for action, body, headers in (("acknowledge", None, AGENT), ("assign", ASSIGNMENT, MANAGER),
                                  ("resolve", RESOLUTION, AGENT)):
        post(client, complaint["id"], action, body, headers)
    assert post(client, complaint["id"], "survey", {**survey, "skill": "great"}).status_code == 422
    assert post(client, complaint["id"], "survey", survey).status_code == 200
    assert post(client, complaint["id"], "survey", survey).status_code == 409
    recorded = events()[-1]
    assert recorded.type == "complaint.survey_recorded.v1" and recorded.data["staff"] == ["zhao.liu"]
    stored = client.get(f"/api/v1/complaints/{complaint['id']}/surveys", headers=VIEWER).get_json()
    assert [(s["round"], s["timeliness"]) for s in stored] == [(1, "unsatisfied")]


def test_rectification_notices_are_tracked_to_done(client, file):
    complaint = file()
    path = f"/api/v1/complaints/{complaint['id']}/rectifications"
    notice = client.post(path, headers=AGENT, json={"department": "after_sales", "required_action": "增加休息区座位",
                                                     "due_on": "2026-12-31"})
    assert notice.status_code == 201
    notice = notice.get_json()
    assert notice["status"] == "open"
    done = client.post(f"{path}/{notice['id']}/complete", headers=AGENT, json={"outcome": "已增加 12 个座位"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    again = client.post(f"{path}/{notice['id']}/complete", headers=AGENT, json={"outcome": "again"})
    assert again.status_code == 409
    assert [n["status"] for n in client.get(path, headers=VIEWER).get_json()] == ["done"]
    steps = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    assert [s["action"] for s in steps][-2:] == ["rectification_issued", "rectification_done"]


def test_listing_filters_and_pages(client, file, known_customer):
    customer = known_customer()
    quality = [file(customer_id=customer, category="quality", severity="serious") for _ in range(3)]
    service = file(customer_id=customer)
    file()  # another customer's
    post(client, service["id"], "acknowledge")
    post(client, service["id"], "assign", ASSIGNMENT, MANAGER)

    def ids(query):
        response = client.get(f"/api/v1/complaints?{query}", headers=VIEWER)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(f"customer_id={customer}&category=quality") == [c["id"] for c in reversed(quality)]
    assert ids("status=assigned&department=after_sales&assignee=zhao.liu") == [service["id"]]
    assert len(ids("severity=serious&escalation_level=general_manager")) == 3
    assert ids("breached=true") == []
    today = datetime.fromisoformat(service["filed_at"]).astimezone(SHANGHAI).date()
    assert len(ids(f"filed_from={today}&filed_to={today}")) == 5
    assert ids(f"filed_to={today - timedelta(days=1)}") == []
    assert ids(f"filed_from={today + timedelta(days=1)}") == []
    page = client.get(f"/api/v1/complaints?customer_id={customer}&page=2&page_size=3", headers=VIEWER).get_json()
    assert (page["total"], page["page"], len(page["items"])) == (4, 2, 1)
    assert client.get("/api/v1/complaints?status=lost", headers=VIEWER).status_code == 422
    assert client.get("/api/v1/complaints?colour=red", headers=VIEWER).status_code == 422
