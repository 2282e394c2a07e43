"""End to end on RabbitMQ and PostgreSQL, through the gateway, as a dealership's customer-relations team works in
its first day: a mistyped plate and a wrongly dated visit corrected, and the reminders and the reports follow; a
serious complaint's escalation reaches the general manager's task list and the local outbox; a callback task
completed with the customer's satisfaction appears as a visit and in the callbacks report. Every service runs
as its own processes (web, relay, consumer, scheduler, scanner)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import eventually, login, running_system

pytestmark = pytest.mark.e2e
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The whole system; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-first-day"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
                         ("complaint", "web"), ("complaint", "relay"), ("complaint", "consume"),
                         ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"),
                         ("reminder", "schedule"), ("reporting", "web"), ("reporting", "consume")], DEFAULT_UPSTREAMS,
                        env={"CRM_REMINDER_SCHEDULER_INTERVAL": "0.3"}) as system:
        yield system.gateway


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def test_a_first_day_of_corrections_escalations_and_callbacks(gateway):
    admin = login(gateway)
    today = datetime.now(ZONE).date()
    for user in ({"username": "li.si", "password": "li-si-first-passphrase", "role": "agent",
                  "display_name": "李四"},
                 {"username": "wang.gm", "password": "wang-gm-first-passphrase", "role": "manager",
                  "display_name": "王总"}):
        ok(httpx.post(f"{gateway}/api/v1/users", headers=admin, json=user), 201)
    # the consultant is known to the customer service once the gateway's user event has reached it
    customer, _ = eventually(lambda: httpx.post(f"{gateway}/api/v1/customers", headers=admin, json={
        "name": "马丽", "phone": "13800138055", "kind": "owner", "owner": "li.si"}),
        lambda response: response.status_code == 201, timeout=30)
    customer = customer.json()
    base = f"{gateway}/api/v1/customers/{customer['id']}"

    # 1. a plate typed wrong at delivery; the three-day callback task names the car, then follows the correction
    car = ok(httpx.post(f"{base}/assets", headers=admin, json={
        "kind": "vehicle", "model": "雅阁", "plate": "粤B5555", "odometer_km": 5,
        "delivered_on": (today - timedelta(days=4)).isoformat()}), 201)

    def callback_task() -> list[dict]:
        return ok(httpx.get(f"{gateway}/api/v1/reminders/tasks", headers=admin, params={
            "customer_id": customer["id"], "rule": "delivery_callback_3d"}))["items"]
    [task], _ = eventually(callback_task, timeout=30)
    assert (task["owner"], task["customer_name"], task["vehicle"]["plate"]) == ("li.si", "马丽", "粤B5555")
    assert task["reason_text"] and "delivered on" not in task["reason_text"], "the reason is for a person"
    ok(httpx.patch(f"{base}/assets/{car['id']}", headers={**admin, "If-Match": '"1"'},
                   json={"plate": "粤B55555", "reason": "交车时车牌录错"}))
    eventually(callback_task, lambda items: items and items[0]["vehicle"]["plate"] == "粤B55555", timeout=30)
    found = ok(httpx.get(f"{gateway}/api/v1/customers", headers=admin, params={"q": "55555"}))
    assert [item["id"] for item in found["items"]] == [customer["id"]], "staff find the car by the plate's end"

    # 2. a maintenance typed 200 days back: the win-back call falls due at once; corrected to yesterday, it
    # moves six months on, and the technician's visit counts in this week's staff report
    wrong = (datetime.now(ZONE) - timedelta(days=200)).replace(hour=10, minute=0, second=0, microsecond=0)
    visit = ok(httpx.post(f"{base}/visits", headers=admin, json={
        "kind": "service", "service_type": "maintenance", "asset_id": car["id"],
        "staff": "zhou.sa", "occurred_at": wrong.isoformat()}), 201)

    def open_win_back() -> list[dict]:
        return ok(httpx.get(f"{gateway}/api/v1/reminders", headers=admin, params={
            "customer_id": customer["id"], "rule": "lost_customer", "status": "scheduled,due,claimed"}))["items"]
    [overdue], _ = eventually(open_win_back, lambda items: len(items) == 1 and items[0]["status"] == "due",
                              timeout=30)
    yesterday = datetime.now(ZONE) - timedelta(days=1)
    ok(httpx.patch(f"{base}/visits/{visit['id']}", headers={**admin, "If-Match": '"1"'},
                   json={"occurred_at": yesterday.isoformat(), "reason": "保养日期录错"}))
    expected = months_later(yesterday.date(), 6)
    [planned], _ = eventually(open_win_back, lambda items: len(items) == 1 and items[0]["id"] != overdue["id"],
                              timeout=30)
    assert planned["status"] == "scheduled"
    assert planned["due_at"][:7] == expected.isoformat()[:7], "the win-back call moved with the corrected visit"

    period = {"from": (today - timedelta(days=2)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    staff, _ = eventually(lambda: ok(httpx.get(f"{gateway}/api/v1/reports/staff", headers=admin, params=period)),
                          lambda report: "zhou.sa" in {row["staff"] for row in report["technicians"]}, timeout=30)

    # 3. the callback task completed with the customer's satisfaction is a callback visit and a rated callback
    ok(httpx.post(f"{gateway}/api/v1/reminders/{task['id']}/complete", headers=admin, json={
        "outcome": "reached", "notes": "客户对交车很满意",
        "callback": {"channel": "wechat", "satisfaction": "very_satisfied"}}))

    def callback_visits() -> list[dict]:
        return [item for item in ok(httpx.get(f"{base}/visits", headers=admin))["items"]
                if item["kind"] == "callback"]
    [recorded], _ = eventually(callback_visits, timeout=30)
    assert recorded["reminder_id"] == task["id"] and recorded["details"]["channel"] == "wechat"
    eventually(lambda: ok(httpx.get(f"{gateway}/api/v1/reports/callbacks", headers=admin, params=period)),
               lambda report: sum(m["callbacks"] for m in report["satisfaction"]["monthly"]) == 1, timeout=30)

    # 4. a serious complaint is escalated to the general manager named for the group: a task and a message
    ok(httpx.post(f"{gateway}/api/v1/complaints/escalation-contacts", headers=admin, json={
        "store_id": "*", "level": "general_manager", "username": "wang.gm"}), 201)
    filed, _ = eventually(lambda: httpx.post(f"{gateway}/api/v1/complaints", headers=admin, json={
        "customer_id": customer["id"], "channel": "wechat", "category": "service", "subcategory": "waiting_time",
        "severity": "serious", "description": "保养等了五个小时，无人解释"}),
        lambda response: response.status_code == 201, timeout=30)
    complaint = filed.json()
    assert complaint["escalated_to"] == "wang.gm" and complaint["customer_name"] == "马丽"
    [escalation], _ = eventually(lambda: ok(httpx.get(f"{gateway}/api/v1/reminders/tasks", headers=admin, params={
        "owner": "wang.gm"}))["items"], timeout=30)
    assert escalation["rule_kind"] == "complaint_escalation" and escalation["customer_name"] == "马丽"
    assert escalation["reason_text"].startswith("投诉升级")
    [message], _ = eventually(lambda: ok(httpx.get(f"{gateway}/api/v1/reminders/messages", headers=admin, params={
        "username": "wang.gm"}))["items"], timeout=30)
    assert message["local_outbox"] is True and message["to"] == "wang.gm" and "马丽" in message["text"]
