"""Working in bulk against the fake API: choosing rows (ticked, or every row matching the filter, bounded), one call
a row a few at a time, and the result page counting successes and listing each failure with the API's reason."""
from __future__ import annotations

import io
import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from console.api import ApiClient
from console.app import create_app
from console.config import ConsoleSettings

from console_tests.conftest import sign_in
from console_tests.fakeapi import FakeApi, envelope, page, problem
from console_tests.test_complaints import complaint
from console_tests.test_today import task

IDS = [f"{number:08d}-0000-4000-8000-000000000000" for number in range(1, 6)]


def complaints(count: int, total: int | None = None, **changes) -> list[dict]:
    return [complaint(id=f"{number:08d}-0000-4000-8000-000000000000", customer_name=f"客户{number}", **changes)
            for number in range(1, count + 1)]


@pytest.fixture
def boss(app):
    return sign_in(app, "manager", "wang.gm", language="en")


def ticked(ids: list[str], **form) -> dict:
    return {"ids": ids, **{f"name.{row_id}": f"客户{int(row_id[:8])}" for row_id in ids}, **form}


def listing(items: list[dict], page_size_default: int = 20):
    """A list route answering the page asked for (an envelope), and remembering what was asked."""
    def answer(request: httpx.Request) -> httpx.Response:
        number, size = int(request.url.params.get("page", 1)), int(request.url.params.get("page_size",
                                                                                           page_size_default))
        return httpx.Response(200, json=envelope(items[(number - 1) * size:number * size], total=len(items),
                                                 page_number=number, page_size=size))
    return answer


# -- what each role sees ----------------------------------------------------------------------------------------


def test_a_manager_ticks_complaints_and_may_act_on_every_row_matching_the_filter(boss, fake_api):
    fake_api.on("GET", "/complaints", envelope(complaints(2), total=57))
    html = boss.get("/complaints?status=filed").get_data(as_text=True)
    assert html.count('name="ids"') == 2 and 'form="bulk-complaints"' in html
    assert "Select every row matching this filter (57)" in html
    assert 'name="filter.status" value="filed"' in html
    assert 'value="assign"' in html and 'value="export"' in html


def test_an_agent_may_export_but_not_assign_and_a_viewer_sees_no_selection(app, fake_api):
    fake_api.on("GET", "/complaints", envelope(complaints(2)))
    agent_html = sign_in(app, "agent", language="en").get("/complaints").get_data(as_text=True)
    assert 'name="ids"' in agent_html and 'value="export"' in agent_html and 'value="assign"' not in agent_html
    for path, route, answer in (("/complaints", "/complaints", envelope(complaints(2))),
                                ("/", "/reminders/tasks", envelope([task()], page_size=50)),
                                ("/customers", "/customers", envelope([{"id": IDS[0], "name": "张伟"}]))):
        fake_api.on("GET", route, answer).on("GET", "/stores", envelope([]))
        html = sign_in(app, "viewer", "zhao.kan", language="en").get(path).get_data(as_text=True)
        assert 'name="ids"' not in html and "bulk-bar" not in html and "Select every row" not in html, path


# -- acting on ticked rows --------------------------------------------------------------------------------------


def test_ticked_complaints_are_assigned_and_a_refusal_is_listed_with_its_reason(boss, fake_api):
    fake_api.on("POST", r"/complaints/[^/]+/assign", lambda request: httpx.Response(200, json=complaint()))
    fake_api.on("POST", f"/complaints/{IDS[1]}/assign",
                problem(409, "Complaint 00000002 is closed; it cannot be assigned."))
    response = boss.post("/bulk/complaints", ticked(IDS[:3], action="assign", department="sales",
                                                   assignee="bj.sa", **{"filter.status": "filed"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 succeeded" in html and "1 failed" in html
    assert "客户2" in html and "Complaint 00000002 is closed; it cannot be assigned." in html
    assert "客户1</td>" not in html  # only failures are listed by name
    assert [json.loads(call.content) for call in fake_api.sent("POST", r"/complaints/[^/]+/assign")] == \
        [{"department": "sales", "assignee": "bj.sa"}] * 3
    assert 'href="/complaints?status=filed"' in html


def test_the_apis_403_for_each_row_is_a_failure_not_a_page_of_its_own(app, fake_api):
    fake_api.on("POST", r"/complaints/[^/]+/assign", problem(403, "Assigning a complaint needs the manager role."))
    agent = sign_in(app, "agent", language="en")
    html = agent.post("/bulk/complaints", ticked(IDS[:2], action="assign", department="sales",
                                                 assignee="bj.sa")).get_data(as_text=True)
    assert "0 succeeded" in html and "2 failed" in html
    assert html.count("Assigning a complaint needs the manager role.") == 2


def test_nothing_ticked_or_a_missing_field_does_nothing_and_says_why(boss, fake_api):
    none = boss.post("/bulk/complaints", {"action": "assign", "department": "sales", "assignee": "bj.sa"})
    assert none.status_code == 422 and "No row was chosen" in none.get_data(as_text=True)
    missing = boss.post("/bulk/complaints", ticked(IDS[:2], action="assign", department="sales"))
    assert missing.status_code == 422 and "Choose the department and the assignee." in missing.get_data(as_text=True)
    assert fake_api.sent("POST", r"/complaints/.*") == []


# -- every row matching the filter ------------------------------------------------------------------------------


def test_every_row_matching_the_filter_is_found_by_paging_the_api_with_the_same_filter(boss, fake_api):
    rows = complaints(250, status="filed")
    fake_api.on("GET", "/complaints", listing(rows))
    fake_api.on("POST", r"/complaints/[^/]+/assign", lambda request: httpx.Response(200, json=complaint()))
    html = boss.post("/bulk/complaints", {"all": "1", "filter.status": "filed", "filter.department": "sales",
                                          "filter.page": "3", "action": "assign", "department": "parts",
                                          "assignee": "bj.sa"}).get_data(as_text=True)
    assert "250 succeeded" in html and "failed" not in html
    lists = fake_api.sent("GET", "/complaints")
    assert [dict(call.url.params) for call in lists] == [
        {"status": "filed", "department": "sales", "page": str(number), "page_size": "200"} for number in (1, 2)]
    assigned = {call.url.path.split("/")[-2] for call in fake_api.sent("POST", r"/complaints/[^/]+/assign")}
    assert assigned == {row["id"] for row in rows}


def test_more_rows_than_one_action_takes_does_nothing_at_all(boss, fake_api):
    fake_api.on("GET", "/complaints", envelope(complaints(3), total=1001, page_size=200))
    response = boss.post("/bulk/complaints", {"all": "1", "action": "assign", "department": "parts",
                                              "assignee": "bj.sa"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1001 rows match this filter; one bulk action takes at most 1000. Nothing was done" in html
    assert fake_api.sent("POST", r"/complaints/.*") == [] and len(fake_api.sent("GET", "/complaints")) == 1


def test_the_list_warns_before_when_more_rows_match_than_one_action_takes(boss, fake_api):
    fake_api.on("GET", "/complaints", envelope(complaints(2), total=1500))
    assert "More than 1000 rows match" in boss.get("/complaints").get_data(as_text=True)


def test_the_calls_run_a_few_at_a_time(tmp_path):
    fake_api, lock, running, most = FakeApi(), threading.Lock(), [0], [0]

    def slow(request: httpx.Request) -> httpx.Response:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.03)
        with lock:
            running[0] -= 1
        return httpx.Response(200, json=complaint())

    fake_api.on("POST", r"/complaints/[^/]+/assign", slow)
    settings = ConsoleSettings(api_url="http://gateway.test", port=0, secret_key="test-secret", var_dir=tmp_path,
                               bulk_concurrency=3)
    app = create_app(settings, api=ApiClient(settings.api_url, 5, transport=fake_api.transport()))
    app.config["TESTING"] = True
    ids = [f"{number:08d}-0000-4000-8000-000000000000" for number in range(1, 13)]
    html = sign_in(app, "manager", "wang.gm", language="en").post(
        "/bulk/complaints", ticked(ids, action="assign", department="sales", assignee="bj.sa")).get_data(as_text=True)
    assert "12 succeeded" in html
    assert most[0] == 3


def test_a_list_that_cannot_be_read_does_nothing(boss, fake_api):
    fake_api.on("GET", "/complaints", problem(503, "down", service="complaint"))
    response = boss.post("/bulk/complaints", {"all": "1", "action": "assign", "department": "parts",
                                              "assignee": "bj.sa"})
    assert "could not be listed, so nothing was done" in response.get_data(as_text=True)
    assert fake_api.sent("POST", r"/complaints/.*") == []


# -- complaints export ------------------------------------------------------------------------------------------


def test_ticked_complaints_export_as_csv_with_their_words(boss, fake_api):
    for number, row in enumerate(complaints(2), start=1):
        fake_api.on("GET", f"/complaints/{row['id']}", {**row, "department": "sales", "assignee": f"sa{number}"})
    response = boss.post("/bulk/complaints", ticked(IDS[:2], action="export", format="csv"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="complaints-' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Complaint number,Customer,Complaint,Category,Severity,Status,Department,Assignee")
    assert len(lines) == 3 and "客户1" in lines[1] and "Product quality" in lines[1] and "Sales,sa1" in lines[1]


def test_every_matching_complaint_exports_as_excel_and_a_missing_one_stops_the_file(boss, fake_api):
    from openpyxl import load_workbook

    fake_api.on("GET", "/complaints", listing(complaints(3), 200))
    response = boss.post("/bulk/complaints", {"all": "1", "action": "export", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["客户1", "客户2", "客户3"]
    fake_api.on("GET", f"/complaints/{IDS[0]}", complaint(id=IDS[0]))
    gone = boss.post("/bulk/complaints", ticked(IDS[:2], action="export", format="csv"))
    html = gone.get_data(as_text=True)
    assert gone.headers["Content-Type"].startswith("text/html")
    assert "1 failed" in html and "客户2" in html and "No file was made" in html


# -- Today ------------------------------------------------------------------------------------------------------


def test_today_snoozes_ticked_tasks_until_one_time(boss, fake_api):
    fake_api.on("POST", r"/reminders/[^/]+/snooze", lambda request: httpx.Response(200, json=task()))
    html = boss.post("/bulk/today", ticked(IDS[:2], action="snooze", until="2026-12-10T09:30")).get_data(as_text=True)
    assert "2 succeeded" in html
    assert [json.loads(call.content) for call in fake_api.sent("POST", r"/reminders/[^/]+/snooze")] == \
        [{"until": "2026-12-10T09:30:00+08:00"}] * 2
    missing = boss.post("/bulk/today", ticked(IDS[:2], action="snooze"))
    assert missing.status_code == 422 and len(fake_api.sent("POST", r"/reminders/.*")) == 2


def test_today_completes_with_one_outcome_and_lists_the_tasks_that_refused(boss, fake_api):
    fake_api.on("POST", r"/reminders/[^/]+/complete", lambda request: httpx.Response(200, json=task()))
    fake_api.on("POST", f"/reminders/{IDS[0]}/complete", problem(
        422, "The request body has invalid fields: lost_reason",
        errors={"lost_reason": ["Record why the customer left (流失原因) when the win-back failed."]}))
    html = boss.post("/bulk/today", ticked(IDS[:3], action="complete", outcome="not_reached")).get_data(as_text=True)
    assert "2 succeeded" in html and "1 failed" in html
    assert "客户1" in html and "Record why the customer left" in html
    assert fake_api.body("POST", r"/reminders/[^/]+/complete") == {"outcome": "not_reached"}
    booked = boss.post("/bulk/today", ticked(IDS[:1], action="complete", outcome="booked"))
    assert booked.status_code == 422


def test_a_manager_assigns_every_task_of_a_store_to_a_colleague(boss, fake_api):
    tasks = [task(id=row_id, customer_name=f"客户{number}") for number, row_id in enumerate(IDS[:3], start=1)]
    fake_api.on("GET", "/reminders/tasks", listing(tasks, 50))
    fake_api.on("POST", r"/reminders/[^/]+/assign", lambda request: httpx.Response(200, json=task()))
    html = boss.post("/bulk/today", {"all": "1", "filter.store": "bj01", "action": "assign",
                                     "assignee": "bj.sb"}).get_data(as_text=True)
    assert "3 succeeded" in html
    [listed] = fake_api.sent("GET", "/reminders/tasks")
    assert listed.url.params["store_id"] == "bj01" and "mine" not in listed.url.params
    assert fake_api.body("POST", r"/reminders/[^/]+/assign") == {"assignee": "bj.sb"}
    assert 'href="/?store=bj01"' in html


def test_an_agents_every_matching_task_is_their_own(app, fake_api):
    fake_api.on("GET", "/reminders/tasks", listing([task()], 50))
    fake_api.on("POST", r"/reminders/[^/]+/snooze", lambda request: httpx.Response(200, json=task()))
    sign_in(app, "agent", language="en").post("/bulk/today", {"all": "1", "filter.owner": "someone.else",
                                                              "action": "snooze", "until": "2026-12-10T09:30"})
    [listed] = fake_api.sent("GET", "/reminders/tasks")
    assert listed.url.params["mine"] == "true" and "owner" not in listed.url.params


def test_today_shows_a_tick_on_each_open_task_and_a_manager_the_colleague_to_assign_to(boss, fake_api):
    fake_api.on("GET", "/reminders/tasks", envelope([task(), task(id=IDS[0], status="done")], page_size=50))
    fake_api.on("GET", "/users", page([{"username": "bj.sb", "display_name": "孙斌"}]))
    fake_api.on("GET", "/stores", envelope([{"id": "bj01", "name": "北京店"}]))
    html = boss.get("/").get_data(as_text=True)
    assert html.count('name="ids"') == 1 and 'form="bulk-today"' in html
    assert '<option value="bj.sb">孙斌 (bj.sb)</option>' in html and 'value="booked"' not in html.split(
        'id="bulk-outcome"')[1].split("</select>")[0]


# -- Customers --------------------------------------------------------------------------------------------------


def test_a_tag_is_added_on_the_version_read_and_a_customer_who_has_it_is_left_alone(boss, fake_api):
    fake_api.on("GET", f"/customers/{IDS[0]}", {"id": IDS[0], "name": "客户1", "tags": ["老客户"], "version": 4})
    fake_api.on("GET", f"/customers/{IDS[1]}", {"id": IDS[1], "name": "客户2", "tags": ["车展"], "version": 2})
    fake_api.on("GET", f"/customers/{IDS[2]}", {"id": IDS[2], "name": "客户3", "tags": [], "version": 7})
    fake_api.on("PATCH", r"/customers/[^/]+", lambda request: httpx.Response(200, json={}))
    fake_api.on("PATCH", f"/customers/{IDS[2]}", problem(412, "The customer was changed meanwhile (version 8)."))
    html = boss.post("/bulk/customers", ticked(IDS[:3], action="tag", tag="车展")).get_data(as_text=True)
    assert "2 succeeded" in html and "1 failed" in html and "客户3" in html and "changed meanwhile" in html
    patches = fake_api.sent("PATCH", r"/customers/[^/]+")
    assert [(call.url.path.split("/")[-1], call.headers["If-Match"], json.loads(call.content)) for call in patches] \
        == [(IDS[0], '"4"', {"tags": ["老客户", "车展"]}), (IDS[2], '"7"', {"tags": ["车展"]})]


def test_customers_export_every_match_through_the_data_tools(boss, fake_api):
    response = boss.post("/bulk/customers", {"action": "export", "format": "xlsx", "filter.tag": "车展",
                                             "filter.stage": "lead"})
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/data/exports/download"
    assert parse_qs(target.query) == {"format": ["xlsx"], "tag": ["车展"], "stage": ["lead"]}
    refused = boss.post("/bulk/customers", {"action": "export", "filter.key_customer": "true"})
    assert refused.status_code == 422 and "cannot filter by key customer" in refused.get_data(as_text=True)


def test_the_customer_search_offers_ticks_and_every_matching_customer(boss, fake_api):
    fake_api.on("GET", "/customers", envelope([{"id": IDS[0], "name": "张伟", "tags": []}], total=33))
    fake_api.on("GET", "/stores", envelope([]))
    html = boss.get("/customers?tag=车展").get_data(as_text=True)
    assert 'form="bulk-customers"' in html and "Select every row matching this filter (33)" in html
    assert 'name="filter.tag" value="车展"' in html


def test_the_result_page_is_in_chinese_for_a_chinese_speaker(app, fake_api):
    fake_api.on("POST", r"/complaints/[^/]+/assign", problem(409, "已关闭"))
    html = sign_in(app, "manager", "wang.gm").post("/bulk/complaints", ticked(
        IDS[:1], action="assign", department="sales", assignee="bj.sa")).get_data(as_text=True)
    assert "0 条成功" in html and "1 条失败" in html and "已关闭" in html
