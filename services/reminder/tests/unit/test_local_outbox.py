"""Trying it out sends nothing but shows everything: with no channel configured (the embedded default of
`make run`) messages go to a local outbox — a file of one readable JSON line per message, and the list of
sent messages — while a configured production channel still wins."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reminder.adapters.channels import senders
from reminder.config import ReminderSettings
from reminder.service_layer.delivery import deliver_due
from servicekit.config import Settings
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
OTHER_STORE = auth_headers("agent", "zhao.liu", stores=("gz01",))


def birthday_tomorrow(customer, today, **changes):
    return customer(birthday=(today + timedelta(days=1)).replace(year=1990).isoformat(), quiet_hours=None,
                    **changes)


def fire_and_deliver(app, sessions, run_scheduler, **changes):
    settings = replace(app.extensions["reminder_settings"], **changes)
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment), **changes)
    return settings, start


def test_the_outbox_is_on_only_when_no_channel_is_configured_unless_told(tmp_path):
    def settings(**env):
        return ReminderSettings.from_settings(Settings.from_env("reminder", {"CRM_VAR_DIR": str(tmp_path), **env}))

    embedded = settings()
    assert embedded.local("sms") and embedded.local("email") and embedded.local("wechat")
    assert embedded.outbox_file == tmp_path.resolve() / "reminder" / "outbox.jsonl"
    production = settings(CRM_REMINDER_SMS_URL="http://sms.example/send")
    assert not production.local("sms") and not production.local("email")  # production: as configured, as before
    staging = settings(CRM_REMINDER_SMS_URL="http://sms.example/send", CRM_REMINDER_LOCAL_OUTBOX="true")
    assert not staging.local("sms") and staging.local("email")
    assert not settings(CRM_REMINDER_LOCAL_OUTBOX="false").local("sms")


def test_with_no_channel_a_message_goes_to_the_local_outbox_file_and_the_list(app, client, sessions, customer,
                                                                              events, run_scheduler, today):
    customer_id = birthday_tomorrow(customer, today)
    settings, start = fire_and_deliver(app, sessions, run_scheduler)
    lines = settings.outbox_file.read_text(encoding="utf-8").splitlines()
    assert "尊敬的王芳，祝您生日快乐！" in lines[0]  # readable text, not \\u escapes
    [line] = [json.loads(line) for line in lines]
    assert (line["channel"], line["to"], line["text"], line["customer_id"], line["rule"]) == (
        "sms", "+8613912345678", "尊敬的王芳，祝您生日快乐！", customer_id, "birthday")
    listed = client.get(f"/api/v1/reminders/messages?customer_id={customer_id}", headers=AGENT)
    assert listed.status_code == 200, listed.get_json()
    page = listed.get_json()
    assert (page["total"], page["page"], page["page_size"]) == (1, 1, 50)
    [message] = page["items"]
    assert (message["channel"], message["to"], message["text"], message["local_outbox"], message["rule"]) == (
        "sms", "+8613912345678", "尊敬的王芳，祝您生日快乐！", True, "birthday")
    reminder = client.get(f"/api/v1/reminders/{message['reminder_id']}", headers=AGENT).get_json()
    assert reminder["status"] == "sent"
    [sent] = [event for event in events() if event.type == "reminder.sent.v1"]
    assert sent.data["channel"] == "sms" and sent.data["local_outbox"] is True
    # filters: channel, time sent; a caller of another store sees none of it
    def total(query, headers=AGENT):
        response = client.get(f"/api/v1/reminders/messages?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["total"]

    assert total(f"customer_id={customer_id}&channel=sms") == 1
    assert total(f"customer_id={customer_id}&channel=email") == 0
    day_after = (start + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert total(f"customer_id={customer_id}&from={day_after}") == 0
    assert total(f"customer_id={customer_id}&to={day_after}") == 1
    assert total(f"customer_id={customer_id}", OTHER_STORE) == 0
    assert client.get("/api/v1/reminders/messages?channel=fax", headers=AGENT).status_code == 422
    assert client.get("/api/v1/reminders/messages?page_size=1000", headers=AGENT).status_code == 422


def test_a_configured_channel_still_wins_over_the_outbox(app, client, sessions, customer, run_scheduler, receiver,
                                                         today):
    gateway = receiver()
    customer_id = birthday_tomorrow(customer, today)
    settings, _ = fire_and_deliver(app, sessions, run_scheduler, sms_url=gateway.url)
    assert len(gateway.requests) == 1 and not settings.outbox_file.exists()
    [message] = client.get(f"/api/v1/reminders/messages?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert message["local_outbox"] is False and message["channel"] == "sms"


def test_an_erasure_blanks_the_customer_in_the_local_outbox_file(app, client, sessions, customer, feed,
                                                                 run_scheduler, today):
    customer_id = birthday_tomorrow(customer, today)
    other = birthday_tomorrow(customer, today, name="陈静")
    settings, _ = fire_and_deliver(app, sessions, run_scheduler)
    assert feed("customer.erased.v1", {"customer_id": customer_id,
                                       "erased_at": datetime.now(UTC).isoformat()}) == "applied"
    lines = {line["customer_id"]: line for line in map(json.loads, settings.outbox_file.read_text().splitlines())}
    assert (lines[customer_id]["to"], lines[customer_id]["text"], lines[customer_id]["erased"]) == (None, None, True)
    assert lines[other]["text"] == "尊敬的陈静，祝您生日快乐！"
    [message] = client.get(f"/api/v1/reminders/messages?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert (message["to"], message["text"]) == (None, None)
