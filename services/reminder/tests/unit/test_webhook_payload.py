"""A webhook carries what the receiver needs (the customer's id, the reminder's rule, kind and reason, the
consent flags) and of the person only what their consent allows."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from reminder.adapters.channels import senders
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "boss")
NAME, PHONE, EMAIL = "王芳", "+8613912345678", "wang.fang@example.cn"


@pytest.mark.parametrize(("consent", "shared"), [
    ({"sms": False, "phone": False, "email": False}, {}),
    ({"sms": True, "phone": False, "email": False}, {"name": NAME, "phone": PHONE}),
    ({"sms": False, "phone": True, "email": False}, {"name": NAME, "phone": PHONE}),
    ({"sms": False, "phone": False, "email": True}, {"name": NAME, "email": EMAIL}),
])
def test_the_webhook_carries_the_person_only_as_far_as_their_consent(app, client, sessions, customer,
                                                                      run_scheduler, receiver, today, consent,
                                                                      shared):
    hook = receiver()
    assert client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["webhook"]},
                        headers=MANAGER).status_code == 200
    customer_id = customer(birthday=(today + timedelta(days=1)).replace(year=1990).isoformat(), quiet_hours=None,
                           consent=consent, name=NAME, phone=PHONE, email=EMAIL)
    settings = replace(app.extensions["reminder_settings"], webhook_url=hook.url)
    run_scheduler(datetime.now(UTC) + timedelta(days=2), webhook_url=hook.url,
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    [(_, body)] = hook.requests
    payload = json.loads(body)
    assert payload["customer"] == {"id": customer_id, **shared, "consent": consent}
    assert (payload["reminder"]["customer_id"], payload["reminder"]["rule_kind"]) == (customer_id, "birthday")
    assert payload["reminder"]["reason"]
    if shared:
        assert payload["text"] == f"尊敬的{NAME}，祝您生日快乐！"
    else:
        assert payload["text"] == "尊敬的客户，祝您生日快乐！"
        for detail in (NAME, PHONE, EMAIL):
            assert detail not in body.decode()
