"""Notifications leave through real local endpoints: a signed webhook retried with backoff, an HTTP SMS
gateway, and an SMTP server (aiosmtpd)."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reminder.adapters.channels import senders, signature, verify
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
SECRET = "whsec-test-0123456789"


def test_signature_verifies_and_refuses_tampering_and_old_timestamps():
    body = '{"text": "尊敬的王芳"}'.encode()
    header = signature(SECRET, 1_800_000_000, body)
    assert verify(SECRET, header, body, now=1_800_000_010)
    assert not verify(SECRET, header, body + b" ", now=1_800_000_010)
    assert not verify("another-secret", header, body, now=1_800_000_010)
    assert not verify(SECRET, header, body, now=1_800_001_000)
    assert not verify(SECRET, "t=abc,v1=00", body)


def birthday_tomorrow(customer, today, **changes):
    return customer(birthday=(today + timedelta(days=1)).replace(year=1990).isoformat(), quiet_hours=None, **changes)


def notifications(client, reminder_id):
    return client.get(f"/api/v1/reminders/{reminder_id}/notifications", headers=AGENT).get_json()["items"]


def fired_birthday(client, customer_id):
    items = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=birthday", headers=AGENT).get_json()
    return next(item for item in items["items"] if item["fired_at"])


def test_a_webhook_is_signed_retried_with_backoff_and_sent_once(app, client, sessions, customer, events,
                                                                 run_scheduler, receiver, today):
    from prometheus_client import REGISTRY

    def counted(outcome):
        labels = {"channel": "webhook", "outcome": outcome}
        return REGISTRY.get_sample_value("reminder_notifications_total", labels) or 0.0

    before = {outcome: counted(outcome) for outcome in ("retried", "sent")}
    hook = receiver([500, 503, 200])
    assert client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["webhook"]},
                        headers=MANAGER).status_code == 200
    customer_id = birthday_tomorrow(customer, today)
    settings = replace(app.extensions["reminder_settings"], webhook_url=hook.url, webhook_secret=SECRET,
                       retry_backoff=60)
    start = datetime.now(UTC) + timedelta(days=2)

    def deliver(moment):
        return deliver_due(sessions, settings, senders(settings), moment)

    run_scheduler(start, deliver=deliver, webhook_url=hook.url)
    reminder = fired_birthday(client, customer_id)
    [note] = notifications(client, reminder["id"])
    assert (note["status"], note["attempts"], note["last_error"]) == ("pending", 1, "webhook answered 500")
    assert note["next_attempt_at"] == (start + timedelta(seconds=60)).isoformat()
    assert deliver(start + timedelta(seconds=30)) == 0  # not before its backoff
    assert deliver(start + timedelta(seconds=61)) == 0  # 503: the next wait doubles
    assert notifications(client, reminder["id"])[0]["next_attempt_at"] == \
        (start + timedelta(seconds=61 + 120)).isoformat()
    assert deliver(start + timedelta(seconds=200)) == 1
    assert deliver(start + timedelta(seconds=400)) == 0
    assert len(hook.requests) == 3
    assert {outcome: counted(outcome) - before[outcome] for outcome in before} == {"retried": 2, "sent": 1}
    for headers, body in hook.requests:
        assert verify(SECRET, headers["X-Guanxi-Signature"], body)
        assert headers["X-Guanxi-Delivery"] == note["id"]
    payload = json.loads(hook.requests[-1][1])
    assert payload["text"] == "尊敬的王芳，祝您生日快乐！"
    assert payload["reminder"]["rule"] == "birthday" and payload["customer"]["consent"]["sms"] is True
    assert client.get(f"/api/v1/reminders/{reminder['id']}", headers=AGENT).get_json()["status"] == "sent"
    sent = [event for event in events() if event.type == "reminder.sent.v1"]
    assert [(event.data["channel"], event.data["notification_id"], event.data["status"]) for event in sent] == [
        ("webhook", note["id"], "sent")]


def test_a_webhook_that_never_answers_is_given_up_with_the_reason(app, client, sessions, customer, run_scheduler,
                                                                  receiver, today):
    hook = receiver([500] * 10)
    client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["webhook"]}, headers=MANAGER)
    customer_id = birthday_tomorrow(customer, today)
    settings = replace(app.extensions["reminder_settings"], webhook_url=hook.url, retry_backoff=1, max_attempts=3)
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, webhook_url=hook.url)
    for minutes in range(1, 5):
        deliver_due(sessions, settings, senders(settings), start + timedelta(minutes=minutes))
    reminder = fired_birthday(client, customer_id)
    [note] = notifications(client, reminder["id"])
    assert note["status"] == "failed" and note["attempts"] == 3
    assert note["skip_reason"] == "gave up after 3 attempts: webhook answered 500"
    after = client.get(f"/api/v1/reminders/{reminder['id']}", headers=AGENT).get_json()
    assert (after["status"], after["outcome"]) == ("done", "not_sent")


def test_sms_goes_to_the_gateway_with_its_token(app, client, sessions, customer, run_scheduler, receiver, today):
    gateway = receiver()
    customer_id = birthday_tomorrow(customer, today)
    settings = replace(app.extensions["reminder_settings"], sms_url=gateway.url, sms_token="sms-token")
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment),
                  sms_url=gateway.url)
    [(headers, body)] = gateway.requests
    assert headers["Authorization"] == "Bearer sms-token"
    sent = json.loads(body)
    assert sent["to"] == "+8613912345678" and sent["text"] == "尊敬的王芳，祝您生日快乐！"
    assert notifications(client, fired_birthday(client, customer_id)["id"])[0]["status"] == "sent"


def test_email_goes_through_smtp(app, client, sessions, customer, run_scheduler, smtp_server, today):
    controller, inbox = smtp_server
    client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["email"]}, headers=MANAGER)
    customer_id = birthday_tomorrow(customer, today, consent={"sms": False, "phone": True, "email": True})
    settings = replace(app.extensions["reminder_settings"], smtp_host="127.0.0.1", smtp_port=controller.port,
                       smtp_sender="care@dealer.example")
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment),
                  smtp_host="127.0.0.1")
    [message] = inbox.messages
    assert message["To"] == "wang.fang@example.cn" and message["From"] == "care@dealer.example"
    assert message.get_payload(decode=True).decode().strip() == "尊敬的王芳，祝您生日快乐！"
    assert notifications(client, fired_birthday(client, customer_id)["id"])[0]["status"] == "sent"
