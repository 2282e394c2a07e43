"""Today (今日待办) against the fake API: the person's tasks by kind, completing and snoozing in place, a manager's
picker, errors in words."""
from __future__ import annotations

from functools import partial
from urllib.parse import parse_qs, urlsplit

from console_tests.fakeapi import envelope, page, problem

CUSTOMER = "11111111-1111-4111-8111-111111111111"
TASK = "22222222-2222-4222-8222-222222222222"
ASSET = "33333333-3333-4333-8333-333333333333"


#: The screen asks for 50 to a page.
paged = partial(envelope, page_size=50)


def task(**overrides):
    item = {"id": TASK, "rule": "delivery_callback_3d", "rule_kind": "delivery_callback", "customer_id": CUSTOMER,
            "asset_id": ASSET, "due_at": "2026-12-01T01:00:00+00:00", "status": "due", "task": True,
            "owner": "li.si", "reason": "callback 3 days after delivery", "overdue": True,
            "created_at": "2026-11-28T01:00:00+00:00", "customer_name": "陈静", "customer_phone": "13700137000",
            "vehicle": {"id": ASSET, "plate": "粤B·12345", "model": "CR-V", "label": "粤B·12345"},
            "rule_name": "三天回访", "reason_text": "提车三天回访：粤B·12345 于 11月28日 交付", "days_overdue": 2,
            "script": "您好，请问是陈静吗？", "snoozed_until": None, "claimed_by": None, "outcome": None}
    item.update(overrides)
    return item


def test_today_lists_the_persons_tasks_grouped_by_kind_with_counts(agent, fake_api):
    maintenance = task(id="44444444-4444-4444-8444-444444444444", rule="next_maintenance",
                       rule_kind="next_maintenance", customer_name="王强", days_overdue=0,
                       reason_text="按里程预测下次保养：约 12 月 5 日达到 10000 公里")
    second = task(id="55555555-5555-4555-8555-555555555555", customer_name="赵敏")
    fake_api.on("GET", "/reminders/tasks", paged([task(), maintenance, second]))
    html = agent.get("/").get_data(as_text=True)
    assert "陈静" in html and "13700137000" in html and "粤B·12345" in html
    assert "提车三天回访" in html and "按里程预测下次保养" in html
    assert f'href="/customers/{CUSTOMER}"' in html
    assert "三天交车回访" in html and "下次保养" in html
    assert "2 件待办" in html and "1 件待办" in html
    assert "逾期 2 天" in html and "今天到期" in html
    [call] = fake_api.sent("GET", "/reminders/tasks")
    assert call.url.params["mine"] == "true" and call.url.params["page"] == "1"
    assert html.index("三天交车回访") < html.index("下次保养")


def test_today_in_english_names_every_kind(app, fake_api):
    from console_tests.conftest import sign_in

    fake_api.on("GET", "/reminders/tasks", paged([task(rule="lost_customer", rule_kind="lost_customer")]))
    html = sign_in(app, language="en").get("/").get_data(as_text=True)
    assert "Lost-customer win-back" in html and "2 days overdue" in html and "Why the customer left" in html


def test_today_is_paginated_on_the_server(agent, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task()], total=120, page_number=2))
    html = agent.get("/?page=2").get_data(as_text=True)
    assert fake_api.sent("GET", "/reminders/tasks")[0].url.params["page"] == "2"
    assert "第 2 / 3 页（共 120 条）" in html


def test_completing_a_task_updates_its_row(agent, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    fake_api.on("POST", f"/reminders/{TASK}/complete", task(status="done", outcome="reached", days_overdue=0))
    agent.get("/")
    response = agent.htmx("POST", f"/today/tasks/{TASK}/complete",
                          {"outcome": "reached", "notes": "车很好", "callback.channel": "phone",
                           "callback.satisfaction": "very_satisfied"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="task-{TASK}"' in html and "已完成：已联系上" in html and "<html" not in html
    assert fake_api.body("POST", f"/reminders/{TASK}/complete") == {
        "outcome": "reached", "notes": "车很好", "callback": {"channel": "phone", "satisfaction": "very_satisfied"}}


def test_a_lost_customer_without_a_reason_gets_the_message_beside_the_field(agent, fake_api):
    lost = task(rule="lost_customer", rule_kind="lost_customer")
    fake_api.on("GET", f"/reminders/{TASK}", lost)
    fake_api.on("POST", f"/reminders/{TASK}/complete", problem(
        422, "invalid", errors={"lost_reason": ["请填写客户流失的原因。"]}))
    response = agent.htmx("POST", f"/today/tasks/{TASK}/complete", {"outcome": "lost"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="lost-reason-{TASK}-error">请填写客户流失的原因。' in html
    assert 'value="lost" selected' in html


def test_completing_as_booked_leads_to_the_booking_form(agent, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    response = agent.htmx("POST", f"/today/tasks/{TASK}/complete", {"outcome": "booked"})
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/appointments/new"
    assert parse_qs(target.query) == {"customer_id": [CUSTOMER], "reminder_id": [TASK], "asset_id": [ASSET]}
    assert not fake_api.sent("POST", f"/reminders/{TASK}/complete")


def test_a_task_done_meanwhile_says_so_in_words(agent, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    fake_api.on("POST", f"/reminders/{TASK}/complete", problem(409, "这个任务已由王五完成。"))
    response = agent.htmx("POST", f"/today/tasks/{TASK}/complete", {"outcome": "reached"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "这个任务已由王五完成。" in html and f'id="task-{TASK}"' in html


def test_snoozing_sends_the_time_in_the_business_time_zone(agent, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    fake_api.on("POST", f"/reminders/{TASK}/snooze",
                task(status="snoozed", snoozed_until="2026-12-05T01:30:00+00:00"))
    response = agent.htmx("POST", f"/today/tasks/{TASK}/snooze", {"until": "2026-12-05T09:30"})
    assert response.status_code == 200
    assert fake_api.body("POST", f"/reminders/{TASK}/snooze") == {"until": "2026-12-05T09:30:00+08:00"}
    assert "已暂缓" in response.get_data(as_text=True)


def test_a_snooze_the_api_refuses_shows_its_message_beside_the_field(agent, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    fake_api.on("POST", f"/reminders/{TASK}/snooze", problem(422, "invalid", errors={"until": ["最多暂缓 90 天。"]}))
    response = agent.htmx("POST", f"/today/tasks/{TASK}/snooze", {"until": "2027-12-05T09:30"})
    assert response.status_code == 422
    assert f'id="until-{TASK}-error">最多暂缓 90 天。' in response.get_data(as_text=True)


def test_reminder_service_down_leaves_the_rest_of_the_page_working(agent, fake_api):
    fake_api.on("GET", "/reminders/tasks", problem(503, "down", service="reminder"))
    response = agent.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "提醒与预约服务暂时不可用" in html
    assert 'id="global-search"' in html and "今日待办" in html


def test_a_viewer_sees_the_tasks_without_actions(viewer, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task()]))
    html = viewer.get("/").get_data(as_text=True)
    assert "陈静" in html
    assert "/complete" not in html and "/snooze" not in html and "/appointments/new" not in html
    assert "<button" not in html.split("</header>", 1)[1]


def test_a_customer_name_is_shown_as_text(agent, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task(customer_name="<img src=x onerror=alert(1)>")]))
    html = agent.get("/").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_agent_has_no_picker_of_colleagues(agent, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([]))
    html = agent.get("/?owner=wang.wu").get_data(as_text=True)
    assert 'name="owner"' not in html
    assert fake_api.sent("GET", "/reminders/tasks")[0].url.params["mine"] == "true"
    assert not fake_api.sent("GET", "/users")


def test_a_manager_switches_to_a_colleague_or_a_store(manager, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task()]))
    fake_api.on("GET", "/users", page([{"username": "li.si", "display_name": "李四", "role": "agent",
                                        "stores": ["sz01"], "active": True}], total=75, per_page=50))
    fake_api.on("GET", "/stores", paged([{"id": "sz01", "name": "深圳一店", "customers": 3,
                                             "created_at": "2026-01-01T00:00:00+00:00"}]))
    html = manager.get("/?owner=li.si").get_data(as_text=True)
    assert '<option value="li.si" selected>李四 (li.si)</option>' in html and "深圳一店" in html
    assert "li.si 的到期和逾期任务" in html and "更多同事" in html
    assert fake_api.sent("GET", "/reminders/tasks")[-1].url.params["owner"] == "li.si"
    users = fake_api.sent("GET", "/users")[-1].url.params
    assert users["page_size"] == "50" and users["page"] == "1"
    manager.get("/?store=sz01")
    sent = fake_api.sent("GET", "/reminders/tasks")[-1].url.params
    assert sent["store_id"] == "sz01" and "mine" not in sent and "owner" not in sent
    assert fake_api.sent("GET", "/users")[-1].url.params["store"] == "sz01"


def test_a_callback_posted_without_csrf_is_refused(app, fake_api):
    from console_tests.conftest import sign_in

    browser = sign_in(app)
    fake_api.on("GET", f"/reminders/{TASK}", task())
    response = browser.client.post(f"/today/tasks/{TASK}/complete", data={"outcome": "reached"})
    assert response.status_code == 400
    assert not fake_api.sent("POST", f"/reminders/{TASK}/complete")


def test_a_manager_claims_a_colleagues_task_in_place(manager, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task()]))
    fake_api.on("POST", f"/reminders/{TASK}/claim", task(status="claimed", owner="wang.gm", claimed_by="wang.gm"))
    html = manager.get("/?owner=li.si").get_data(as_text=True)
    assert f"/today/tasks/{TASK}/claim" in html
    response = manager.htmx("POST", f"/today/tasks/{TASK}/claim")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已认领：这个任务现在由你负责。" in html and "由 wang.gm 认领" in html
    assert f"/today/tasks/{TASK}/claim" not in html


def test_a_snoozed_task_can_be_completed_but_not_snoozed_again(agent, fake_api):
    fake_api.on("GET", "/reminders/tasks", paged([task(status="snoozed",
                                                          snoozed_until="2026-12-05T01:30:00+00:00")]))
    html = agent.get("/").get_data(as_text=True)
    assert "已暂缓" in html and "至 2026/12/5 09:30" in html
    assert f"/today/tasks/{TASK}/complete" in html and f"/today/tasks/{TASK}/snooze" not in html


def test_a_claim_the_api_refuses_says_why(manager, fake_api):
    fake_api.on("GET", f"/reminders/{TASK}", task())
    fake_api.on("POST", f"/reminders/{TASK}/claim",
                problem(422, "invalid", errors={"owner": ["wang.gm 不在该门店工作。"]}))
    response = manager.htmx("POST", f"/today/tasks/{TASK}/claim")
    assert response.status_code == 422 and "wang.gm 不在该门店工作。" in response.get_data(as_text=True)
