"""One notification that cannot be sent neither stalls nor repeats the others: each is sent and its outcome
kept on its own; the bad one is retried with backoff, then given up; the next pass goes on."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reminder.adapters.channels import senders
from reminder.adapters.tables import rules
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers
from sqlalchemy import update

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
BAD_NAME = "生日祝福\r\nBcc: everyone@example.cn"


def _notifications(client, customer_id):
    reminders = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=birthday", headers=AGENT).get_json()
    fired = [item for item in reminders["items"] if item["fired_at"]]
    return [note for item in fired
            for note in client.get(f"/api/v1/reminders/{item['id']}/notifications", headers=AGENT).get_json()["items"]]


def test_a_poisoned_notification_is_given_up_and_the_others_go_exactly_once(
        app, client, sessions, customer, run_scheduler, receiver, smtp_server, today):
    controller, inbox = smtp_server
    gateway = receiver()
    assert client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["sms", "email"]},
                        headers=MANAGER).status_code == 200
    with sessions() as session, session.begin():  # a name stored before names were checked
        session.execute(update(rules).where(rules.c.id == "birthday").values(name=BAD_NAME))
    birthday = (today + timedelta(days=1)).replace(year=1990).isoformat()
    sms_only = {"sms": True, "phone": True, "email": False}
    first = customer(birthday=birthday, quiet_hours=None, consent=sms_only, phone="+8613900000001")
    poisoned = customer(birthday=birthday, quiet_hours=None, consent={"sms": True, "phone": True, "email": True},
                        phone="+8613900000002")
    last = customer(birthday=birthday, quiet_hours=None, consent=sms_only, phone="+8613900000003")
    settings = replace(app.extensions["reminder_settings"], sms_url=gateway.url, smtp_host="127.0.0.1",
                       smtp_port=controller.port, retry_backoff=60, max_attempts=3)

    def deliver(moment):
        return deliver_due(sessions, settings, senders(settings), moment)

    start = datetime.now(UTC) + timedelta(days=2)
    done = run_scheduler(start, deliver=deliver, sms_url=gateway.url, smtp_host="127.0.0.1")
    assert done["sent"] == 3
    [email] = [note for note in _notifications(client, poisoned) if note["channel"] == "email"]
    assert (email["status"], email["attempts"]) == ("pending", 1)
    assert "linefeed" in email["last_error"] or "carriage return" in email["last_error"]
    assert email["next_attempt_at"] == (start + timedelta(seconds=60)).isoformat()

    # the lease of the first pass has long run out: a pass that re-sent what went would show here
    for minutes in (2, 5, 10):
        run_scheduler(start + timedelta(minutes=minutes), deliver=deliver)
    assert sorted(json.loads(body)["to"] for _, body in gateway.requests) == [
        "+8613900000001", "+8613900000002", "+8613900000003"]
    assert inbox.messages == []
    [email] = [note for note in _notifications(client, poisoned) if note["channel"] == "email"]
    assert (email["status"], email["attempts"]) == ("failed", 3)
    assert email["skip_reason"].startswith("gave up after 3 attempts")
    for customer_id in (first, poisoned, last):
        assert [note["status"] for note in _notifications(client, customer_id) if note["channel"] == "sms"] == ["sent"]

    # the next pass goes on: a birthday falling due later is sent as usual
    later = customer(birthday=(today + timedelta(days=3)).replace(year=1990).isoformat(), quiet_hours=None,
                     consent=sms_only, phone="+8613900000004")
    assert run_scheduler(start + timedelta(days=2), deliver=deliver, sms_url=gateway.url)["sent"] == 1
    assert [note["status"] for note in _notifications(client, later) if note["channel"] == "sms"] == ["sent"]
    assert len(gateway.requests) == 4


def test_a_rule_name_or_owner_with_a_line_break_or_control_character_is_refused(client):
    for name in (BAD_NAME, "生日\n祝福", "生日\t祝福", "生日\x00", "生日\u2028祝福", "   "):
        refused = client.patch("/api/v1/reminders/rules/birthday", json={"name": name}, headers=MANAGER)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["name"], name
    created = client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "callback_10d", "kind": "delivery_callback", "name": "十天回访\r\n", "owner": "li.si\n",
        "params": {"days": 10}})
    assert created.status_code == 422 and set(created.get_json()["errors"]) == {"name", "owner"}
    birthday = client.get("/api/v1/reminders/rules/birthday", headers=AGENT).get_json()
    assert birthday["name"] == "生日祝福 (birthday greeting)"
    assert client.get("/api/v1/reminders/rules/callback_10d", headers=AGENT).status_code == 404


class Recording:
    """An SMS channel that records what it sends and calls `during_first` while sending the first message."""

    def __init__(self, during_first=None) -> None:
        self.sent: list[str] = []
        self.during_first = during_first

    def send(self, message) -> None:
        self.sent.append(message.target)
        if self.during_first is not None:
            during, self.during_first = self.during_first, None
            during()


def test_a_batch_that_outlasts_its_lease_leaves_what_another_replica_took_over_to_it(app, sessions, customer,
                                                                                     run_scheduler, today):
    birthday = (today + timedelta(days=1)).replace(year=1990).isoformat()
    for phone in ("+8613900000001", "+8613900000002", "+8613900000003"):
        customer(birthday=birthday, quiet_hours=None, phone=phone)
    settings = replace(app.extensions["reminder_settings"], sms_url="http://sms.invalid", send_timeout=10)
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, sms_url="http://sms.invalid")  # fires the birthdays; nothing sent yet
    lease = timedelta(seconds=60)
    other = Recording()

    def another_replica_after_the_lease():
        deliver_due(sessions, settings, {"sms": other}, start + lease + timedelta(seconds=1))

    # the first replica reaches its first message late in its pass: just before its lease ends
    first = Recording(during_first=another_replica_after_the_lease)
    deliver_due(sessions, settings, {"sms": first}, start, clock=lambda: start + lease - timedelta(seconds=1))
    assert len(first.sent) == 1 and len(other.sent) == 2
    assert sorted(first.sent + other.sent) == ["+8613900000001", "+8613900000002", "+8613900000003"]
