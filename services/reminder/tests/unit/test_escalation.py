"""An escalated complaint reaches the person it is escalated to: a task due at once and a staff notification
(to the local outbox while their contacts are unknown); a second delivery creates nothing more."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reminder.adapters.channels import senders
from reminder.adapters.staff import Contacts, contacts_of
from reminder.entrypoints.consumer import COMPLAINTS_QUEUE
from reminder.entrypoints.subscriptions import QUEUES
from reminder.service_layer.delivery import deliver_due
from reminder.service_layer.escalations import apply_escalation
from servicekit.db import unit_of_work
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "wang.manager")
AGENT = auth_headers("agent", "li.si")


def escalated(example, customer_id, **changes):
    data = example("complaint.escalated.v1")
    data.update({"customer_id": customer_id, "escalated_to": "wang.manager", **changes})
    return data


def tasks_of(client, owner):
    response = client.get(f"/api/v1/reminders/tasks?owner={owner}", headers=MANAGER)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_an_escalation_makes_a_task_and_a_staff_message_in_the_local_outbox(app, client, sessions, customer, feed,
                                                                            example, events):
    assert "complaint.escalated.v1" in QUEUES[COMPLAINTS_QUEUE]
    customer_id = customer(name="马丽")
    data = escalated(example, customer_id)
    assert feed("complaint.escalated.v1", data) == "applied"
    [task] = tasks_of(client, "wang.manager")
    assert (task["rule"], task["rule_kind"], task["status"], task["customer_id"], task["complaint_id"]) == (
        "complaint_escalation", "complaint_escalation", "due", customer_id, data["complaint_id"])
    assert task["reason"] == "投诉升级：严重服务问题投诉，按严重程度升级至总经理，请立即处理。"
    assert datetime.fromisoformat(task["due_at"]) <= datetime.now(UTC)
    [due] = [event for event in events() if event.type == "reminder.due.v1"]
    assert due.data["rule_kind"] == "complaint_escalation" and due.data["owner"] == "wang.manager"
    [note] = client.get(f"/api/v1/reminders/{task['id']}/notifications", headers=MANAGER).get_json()["items"]
    assert (note["channel"], note["status"], note["target"], note["username"], note["local_outbox"]) == (
        "local", "pending", "wang.manager", "wang.manager", True)
    # a second delivery (another event id, the same escalation) creates nothing more
    assert feed("complaint.escalated.v1", data) == "applied"
    assert len(tasks_of(client, "wang.manager")) == 1
    settings = app.extensions["reminder_settings"]
    assert deliver_due(sessions, settings, senders(settings), datetime.now(UTC) + timedelta(seconds=1)) == 1
    [line] = [json.loads(line) for line in settings.outbox_file.read_text(encoding="utf-8").splitlines()]
    assert (line["channel"], line["to"], line["username"]) == ("local", "wang.manager", "wang.manager")
    assert line["text"] == ("【投诉升级】wang.manager您好：客户马丽的严重投诉（服务问题）"
                            "已升级至总经理：按严重程度升级。"
                            f"请尽快处理（投诉编号 {data['complaint_id']}）。")
    listed = client.get("/api/v1/reminders/messages?username=wang.manager", headers=MANAGER).get_json()
    assert [item["text"] for item in listed["items"]] == [line["text"]]
    assert [event.type for event in events()].count("reminder.sent.v1") == 0  # no contact with the customer


def test_an_sla_escalation_says_which_target_and_nobody_named_means_no_task(client, customer, feed, example):
    customer_id = customer()
    assert feed("complaint.escalated.v1", escalated(example, customer_id, escalated_to=None)) == "applied"
    assert feed("complaint.escalated.v1", {k: v for k, v in escalated(example, customer_id).items()
                                           if k != "escalated_to"}) == "applied"
    assert tasks_of(client, "wang.manager") == []
    breach = escalated(example, customer_id, level="manager", target="acknowledge", escalated_to="zhou.manager",
                       occurred_at="2026-11-23T02:20:00+00:00")
    assert feed("complaint.escalated.v1", breach) == "applied"
    [task] = tasks_of(client, "zhou.manager")
    assert task["reason"] == "投诉升级：严重服务问题投诉，受理时限已过，升级至经理，请立即处理。"


def test_staff_contacts_come_from_the_users_copy(sessions, known_user):
    with unit_of_work(sessions) as session:
        assert contacts_of(session, "wang.manager") is None  # not heard of yet: unknown
    known_user("wang.manager", role="manager", phone="+8613800000001", wechat_openid="oWang")
    known_user("zhou.x")
    known_user("qian.left", email="qian@dealer.example", active=False)
    with unit_of_work(sessions) as session:
        assert contacts_of(session, "wang.manager") == Contacts(phone="+8613800000001", wechat_openid="oWang")
        assert contacts_of(session, "zhou.x") is None, "a user with no contact at all is not reachable"
        assert contacts_of(session, "qian.left") is None, "a user switched off is not told"
        assert contacts_of(session, "nobody") is None


def test_known_staff_contacts_go_through_the_configured_channels(app, client, sessions, customer, example, receiver):
    gateway = receiver()
    settings = replace(app.extensions["reminder_settings"], sms_url=gateway.url)
    customer_id = customer()
    with unit_of_work(sessions) as session:
        apply_escalation(session, escalated(example, customer_id), settings,
                         contacts_of=lambda _, name: Contacts(phone="+8613800000001", email="wang@dealer.example"))
    [task] = tasks_of(client, "wang.manager")
    notes = client.get(f"/api/v1/reminders/{task['id']}/notifications", headers=MANAGER).get_json()["items"]
    # SMS is configured; e-mail is not, and with a channel configured the local outbox is off (auto)
    assert [(n["channel"], n["target"], n["local_outbox"]) for n in notes] == [("sms", "+8613800000001", False)]
    assert deliver_due(sessions, settings, senders(settings), datetime.now(UTC) + timedelta(seconds=1)) == 1
    [(_, body)] = gateway.requests
    assert json.loads(body)["to"] == "+8613800000001" and "【投诉升级】" in json.loads(body)["text"]


def test_the_person_told_is_addressed_by_the_name_colleagues_know(app, sessions, customer, feed, example,
                                                                  known_user):
    known_user("wang.manager", role="manager", display_name="王经理")
    assert feed("complaint.escalated.v1", escalated(example, customer())) == "applied"
    settings = app.extensions["reminder_settings"]
    assert deliver_due(sessions, settings, senders(settings), datetime.now(UTC) + timedelta(seconds=1)) == 1
    [line] = [json.loads(line) for line in settings.outbox_file.read_text(encoding="utf-8").splitlines()]
    assert line["text"].startswith("【投诉升级】王经理您好：") and line["to"] == "wang.manager"
