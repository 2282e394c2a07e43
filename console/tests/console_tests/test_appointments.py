"""Appointments (预约) against the fake API: a day's or a week's bookings with their status, cancelling one, and
the booking form that completes the task it came from."""
from __future__ import annotations

from functools import partial
from urllib.parse import parse_qs, urlsplit

from console_tests.fakeapi import envelope, problem

CUSTOMER = "11111111-1111-4111-8111-111111111111"
TASK = "22222222-2222-4222-8222-222222222222"
ASSET = "33333333-3333-4333-8333-333333333333"
BOOKING = "66666666-6666-4666-8666-666666666666"


#: The screen asks for 50 to a page.
paged = partial(envelope, page_size=50)


def appointment(**overrides):
    item = {"id": BOOKING, "customer_id": CUSTOMER, "asset_id": ASSET, "reminder_id": None, "purpose": "maintenance",
            "scheduled_at": "2026-12-03T02:00:00+00:00", "booked_by": "li.si", "status": "booked",
            "visit_id": None, "visited_at": None, "follow_up_reminder_id": None,
            "created_at": "2026-12-01T02:00:00+00:00", "customer_name": "陈静", "customer_phone": "13700137000",
            "vehicle": {"id": ASSET, "plate": "粤B·12345", "model": "CR-V", "label": "粤B·12345"}}
    item.update(overrides)
    return item


def test_the_days_appointments_with_kept_no_show_and_cancelled(agent, fake_api):
    fake_api.on("GET", "/appointments", paged([
        appointment(), appointment(id="77777777-7777-4777-8777-777777777777", status="kept", customer_name="王强"),
        appointment(id="88888888-8888-4888-8888-888888888888", status="no_show", customer_name="赵敏"),
        appointment(id="99999999-9999-4999-8999-999999999999", status="cancelled", customer_name="钱多")]))
    html = agent.get("/appointments?date=2026-12-03").get_data(as_text=True)
    for text in ("陈静", "王强", "赵敏", "钱多", "已到店", "爽约", "已取消", "保养", "13700137000", "粤B·12345"):
        assert text in html
    assert f'href="/customers/{CUSTOMER}"' in html
    assert html.count("取消预约</button>") == 1  # only the booked one can be called off
    params = fake_api.sent("GET", "/appointments")[0].url.params
    assert params["from"] == "2026-12-03T00:00:00+08:00" and params["to"] == "2026-12-04T00:00:00+08:00"
    assert params["page"] == "1"


def test_the_week_runs_monday_to_sunday_and_filters_go_to_the_api(agent, fake_api):
    fake_api.on("GET", "/appointments", paged([appointment()], total=130, page_number=2))
    fake_api.on("GET", "/stores", paged([{"id": "sz01", "name": "深圳一店"}, {"id": "gz01", "name": "广州一店"}]))
    html = agent.get("/appointments?view=week&date=2026-12-03&status=booked&mine=1&store=sz01&page=2").get_data(
        as_text=True)
    params = fake_api.sent("GET", "/appointments")[0].url.params
    assert params["from"] == "2026-11-30T00:00:00+08:00" and params["to"] == "2026-12-07T00:00:00+08:00"
    assert params["status"] == "booked" and params["booked_by"] == "li.si" and params["page"] == "2"
    assert params["store_id"] == "sz01" and '<option value="sz01" selected>深圳一店</option>' in html
    assert "第 2 / 3 页（共 130 条）" in html and "这一周" in html


def test_cancelling_updates_the_row(agent, fake_api):
    fake_api.on("POST", f"/appointments/{BOOKING}/cancel", appointment(status="cancelled"))
    agent.get("/appointments")
    response = agent.htmx("POST", f"/appointments/{BOOKING}/cancel", {"reason": "客户出差"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="appointment-{BOOKING}"' in html and "已取消" in html
    assert "<html" not in html and "取消预约</button>" not in html
    assert fake_api.body("POST", f"/appointments/{BOOKING}/cancel") == {"reason": "客户出差"}


def test_cancelling_one_already_kept_says_why(agent, fake_api):
    fake_api.on("POST", f"/appointments/{BOOKING}/cancel", problem(409, "这个预约已到店，不能取消。"))
    fake_api.on("GET", f"/appointments/{BOOKING}", appointment(status="kept"))
    response = agent.htmx("POST", f"/appointments/{BOOKING}/cancel", {"reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "这个预约已到店，不能取消。" in html and "已到店" in html


def test_the_service_down_leaves_the_page_working(agent, fake_api):
    fake_api.on("GET", "/appointments", problem(503, "down", service="reminder"))
    response = agent.get("/appointments")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "提醒与预约服务暂时不可用" in html and 'id="global-search"' in html


def test_a_viewer_cannot_cancel_or_book(viewer, fake_api):
    fake_api.on("GET", "/appointments", paged([appointment()]))
    html = viewer.get("/appointments").get_data(as_text=True)
    assert "陈静" in html and "取消预约" not in html and "/cancel" not in html
    assert viewer.get(f"/appointments/new?customer_id={CUSTOMER}").status_code == 403


def test_a_customer_name_is_shown_as_text(agent, fake_api):
    fake_api.on("GET", "/appointments", paged([appointment(customer_name="<img src=x onerror=alert(1)>")]))
    html = agent.get("/appointments").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def booking_routes(fake_api, task_status="due"):
    fake_api.on("GET", f"/customers/{CUSTOMER}", {"id": CUSTOMER, "name": "陈静", "phone": "13700137000"})
    fake_api.on("GET", f"/customers/{CUSTOMER}/assets", paged([
        {"id": ASSET, "kind": "vehicle", "plate": "粤B·12345", "model": "CR-V"}]))
    fake_api.on("GET", f"/reminders/{TASK}", {"id": TASK, "customer_id": CUSTOMER, "asset_id": ASSET,
                                              "rule_kind": "annual_inspection", "status": task_status,
                                              "reason_text": "年检到期：粤B·12345"})


def test_the_booking_form_is_filled_in_from_the_task(agent, fake_api):
    booking_routes(fake_api)
    html = agent.get(f"/appointments/new?customer_id={CUSTOMER}&reminder_id={TASK}").get_data(as_text=True)
    assert "客户：陈静" in html and "来源任务：年检到期：粤B·12345" in html
    assert f'name="reminder_id" value="{TASK}"' in html
    assert '<option value="inspection" selected>' in html and f'<option value="{ASSET}" selected>' in html


def test_booking_from_a_task_completes_it_as_booked(agent, fake_api):
    booking_routes(fake_api)
    fake_api.on("POST", "/appointments", appointment(reminder_id=TASK, scheduled_at="2026-12-05T01:30:00+00:00"))
    fake_api.on("POST", f"/reminders/{TASK}/complete", {"id": TASK, "status": "done"})
    agent.get(f"/appointments/new?customer_id={CUSTOMER}&reminder_id={TASK}")
    response = agent.post("/appointments/new", {"customer_id": CUSTOMER, "reminder_id": TASK, "purpose": "inspection",
                                                "scheduled_at": "2026-12-05T09:30", "asset_id": ASSET,
                                                "idempotency_key": "k1"})
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/appointments" and parse_qs(target.query)["date"] == ["2026-12-05"]
    assert fake_api.body("POST", "/appointments") == {
        "customer_id": CUSTOMER, "purpose": "inspection", "scheduled_at": "2026-12-05T09:30:00+08:00",
        "asset_id": ASSET, "reminder_id": TASK}
    assert fake_api.sent("POST", "/appointments")[0].headers["Idempotency-Key"] == "k1"
    assert fake_api.body("POST", f"/reminders/{TASK}/complete") == {"outcome": "booked"}


def test_a_booking_in_the_past_shows_the_message_beside_the_field(agent, fake_api):
    booking_routes(fake_api)
    fake_api.on("POST", "/appointments", problem(422, "invalid", errors={"scheduled_at": ["不能预约过去的时间。"]}))
    response = agent.post("/appointments/new", {"customer_id": CUSTOMER, "reminder_id": TASK,
                                                "purpose": "maintenance", "scheduled_at": "2020-01-01T09:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="f-scheduled_at-error">不能预约过去的时间。' in html
    assert 'value="2020-01-01T09:00"' in html and not fake_api.sent("POST", f"/reminders/{TASK}/complete")


def test_a_booking_without_a_time_is_refused_beside_the_field(agent, fake_api):
    booking_routes(fake_api)
    response = agent.post("/appointments/new", {"customer_id": CUSTOMER, "purpose": "maintenance",
                                                "scheduled_at": ""})
    assert response.status_code == 422
    assert 'id="f-scheduled_at-error">请选择预约日期和时间。' in response.get_data(as_text=True)
    assert not fake_api.sent("POST", "/appointments")
