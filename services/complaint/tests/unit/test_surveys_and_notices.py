"""The survey before closing (a group-wide setting, on by default), a refused survey that says why, and
rectification notices: never due in the past, listed per department, printable."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "wang.manager")
GROUP_MANAGER = auth_headers("manager", "boss")
STORE_MANAGER = auth_headers("manager", "sz.boss", stores=("sz01",))
VIEWER = auth_headers("viewer", "zhou.view")
SURVEY = {"attitude": "satisfied", "skill": "satisfied", "timeliness": "satisfied", "promise_kept": "satisfied",
          "staff": ["zhao.liu"]}
RESOLUTION = {"resolution": "致歉并赠送一次免费保养", "remedy_cost": "680.00", "responsible_party": "after_sales"}
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()


def post(client, complaint, action, body=None, headers=AGENT):
    return client.post(f"/api/v1/complaints/{complaint['id']}/{action}", json=body or {}, headers=headers)


def called_back(client, file):
    complaint = file()
    post(client, complaint, "acknowledge")
    post(client, complaint, "assign", {"department": "after_sales", "assignee": "zhao.liu"}, MANAGER)
    post(client, complaint, "resolve", RESOLUTION)
    return post(client, complaint, "callbacks", {"channel": "wechat", "satisfaction": "satisfied"}).get_json()


def test_a_survey_on_an_open_complaint_says_why_and_what_is_allowed_instead(client, file):
    complaint = file()
    post(client, complaint, "acknowledge")
    refused = post(client, complaint, "survey", SURVEY)
    assert refused.status_code == 409
    body = refused.get_json()
    assert "finished" not in body["detail"]
    assert "a survey follows the resolution" in body["detail"]
    assert "in the statuses resolved, callback, closed" in body["detail"]
    assert body["allowed_next"] == ["assign", "reject"] and "Allowed next steps: assign, reject." in body["detail"]


def test_closing_needs_the_survey_by_default_and_names_it(client, file, events):
    complaint = called_back(client, file)
    assert complaint["status"] == "callback" and "close" not in complaint["allowed_next"]
    refused = post(client, complaint, "close")
    assert refused.status_code == 409 and "survey" in refused.get_json()["detail"]
    assert "closed" not in [event.type.split(".")[1] for event in events()]
    assert "close" in post(client, complaint, "survey", SURVEY).get_json()["allowed_next"]
    assert post(client, complaint, "close").get_json()["status"] == "closed"


def test_the_survey_rule_is_a_group_wide_setting(client, file):
    assert client.get("/api/v1/complaints/settings", headers=VIEWER).get_json()["survey_required_before_close"]
    turn_off = {"survey_required_before_close": False}
    assert client.patch("/api/v1/complaints/settings", json=turn_off, headers=STORE_MANAGER).status_code == 403
    assert client.patch("/api/v1/complaints/settings", json=turn_off, headers=AGENT).status_code == 403
    assert client.patch("/api/v1/complaints/settings", json={"survey_required_before_close": "maybe"},
                        headers=GROUP_MANAGER).status_code == 422
    changed = client.patch("/api/v1/complaints/settings", json=turn_off, headers=GROUP_MANAGER)
    assert changed.status_code == 200
    assert changed.get_json()["survey_required_before_close"] is False and changed.get_json()["updated_by"] == "boss"
    complaint = called_back(client, file)
    assert "close" in complaint["allowed_next"]
    assert post(client, complaint, "close").get_json()["status"] == "closed"


def test_a_rectification_notice_cannot_be_due_in_the_past(client, file):
    complaint = file()
    path = f"/api/v1/complaints/{complaint['id']}/rectifications"
    notice = {"department": "after_sales", "required_action": "培训前台"}
    past = client.post(path, json={**notice, "due_on": (TODAY - timedelta(days=1)).isoformat()}, headers=MANAGER)
    assert past.status_code == 422 and list(past.get_json()["errors"]) == ["due_on"]
    assert client.get(path, headers=VIEWER).get_json() == []
    today = client.post(path, json={**notice, "due_on": TODAY.isoformat()}, headers=MANAGER)
    assert today.status_code == 201


def test_notices_are_listed_per_department_page_by_page_within_the_callers_stores(client, file, known_customer):
    in_sz = file(customer_id=known_customer(store_id="sz01"))
    in_gz = file(customer_id=known_customer(store_id="gz01"))
    due = (TODAY + timedelta(days=3)).isoformat()
    for complaint, department in ((in_sz, "after_sales"), (in_sz, "sales"), (in_gz, "after_sales"),
                                  (in_sz, "after_sales")):
        assert client.post(f"/api/v1/complaints/{complaint['id']}/rectifications", headers=MANAGER, json={
            "department": department, "required_action": "整改", "due_on": due}).status_code == 201
    listing = client.get("/api/v1/complaints/rectifications?department=after_sales&page_size=2",
                         headers=VIEWER).get_json()
    assert listing["total"] == 3 and len(listing["items"]) == 2 and listing["page"] == 1
    assert {item["department"] for item in listing["items"]} == {"after_sales"}
    rest = client.get("/api/v1/complaints/rectifications?department=after_sales&page_size=2&page=2",
                      headers=VIEWER).get_json()
    assert len(rest["items"]) == 1
    sz_only = client.get("/api/v1/complaints/rectifications?department=after_sales",
                         headers=auth_headers("viewer", "sz.view", stores=("sz01",))).get_json()
    assert sz_only["total"] == 2 and {item["store_id"] for item in sz_only["items"]} == {"sz01"}
    assert client.get("/api/v1/complaints/rectifications?status=done", headers=VIEWER).get_json()["total"] == 0
    assert client.get("/api/v1/complaints/rectifications?colour=red", headers=VIEWER).status_code == 422


def test_a_notice_prints_as_a_chinese_page(client, file, known_customer):
    complaint = file(customer_id=known_customer(name="马丽"), description="<script>alert(1)</script>等了很久")
    notice = client.post(f"/api/v1/complaints/{complaint['id']}/rectifications", headers=MANAGER, json={
        "department": "售后服务部", "required_action": "调整预约排班", "due_on": TODAY.isoformat()}).get_json()
    printed = client.get(f"/api/v1/complaints/{complaint['id']}/rectifications/{notice['id']}/print",
                         headers=VIEWER)
    assert printed.status_code == 200 and printed.mimetype == "text/html"
    page = printed.get_data(as_text=True)
    for text in ("整改通知单", "售后服务部", "调整预约排班", TODAY.isoformat(), "马丽", "电话", "待整改", "签字"):
        assert text in page, text
    assert "<script>" not in page and "&lt;script&gt;" in page
    missing = client.get(f"/api/v1/complaints/{complaint['id']}/rectifications/{complaint['id']}/print",
                         headers=VIEWER)
    assert missing.status_code == 404
    elsewhere = client.get(f"/api/v1/complaints/{complaint['id']}/rectifications/{notice['id']}/print",
                           headers=auth_headers("viewer", "gz.view", stores=("gz01",)))
    assert elsewhere.status_code == 403


@pytest.mark.parametrize("value", [0, 1, "true", "no"])
def test_the_survey_setting_takes_only_true_or_false(client, value):
    refused = client.patch("/api/v1/complaints/settings", json={"survey_required_before_close": value},
                           headers=auth_headers("admin", "root"))
    assert refused.status_code == 422 and "survey_required_before_close" in refused.get_json()["errors"]
    assert client.get("/api/v1/complaints/settings", headers=auth_headers("admin", "root")).get_json()[
        "survey_required_before_close"] is True
