"""WeChat (微信): a template message of the official-account API shape, to a local fake of the WeChat API;
the customer's openid and consent to WeChat come with their customer events."""
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from reminder.adapters.channels import senders
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
OPENID = "oX7a8d0c6f1e3b4a4c8e9a512f6e8"


class FakeWeChat:
    """The WeChat API's template-message endpoint on localhost: records requests, answers errcodes in turn."""

    def __init__(self, errcodes: list[int]) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.errcodes = list(errcodes)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append((self.path, json.loads(body)))
                errcode = fake.errcodes.pop(0) if fake.errcodes else 0
                answer = json.dumps({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "invalid credential",
                                     "msgid": 200228332}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def wechat():
    made = []

    def make(errcodes=()):
        made.append(FakeWeChat(list(errcodes)))
        return made[-1]

    yield make
    for fake in made:
        fake.server.shutdown()
        fake.server.server_close()


def notifications(client, customer_id):
    items = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=birthday", headers=AGENT).get_json()
    fired = next(item for item in items["items"] if item["fired_at"])
    return client.get(f"/api/v1/reminders/{fired['id']}/notifications", headers=AGENT).get_json()["items"]


def test_a_wechat_template_message_goes_to_the_customers_openid(app, client, sessions, customer, run_scheduler,
                                                                 wechat, today):
    fake = wechat([40001, 0])  # an expired token first: retried
    assert client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["wechat"]},
                        headers=MANAGER).status_code == 200
    customer_id = customer(birthday=(today + timedelta(days=1)).replace(year=1990).isoformat(), quiet_hours=None,
                           wechat_openid=OPENID, consent={"sms": True, "phone": True, "email": False, "wechat": True})
    settings = replace(app.extensions["reminder_settings"], wechat_url=fake.url, wechat_token="ACCESS-TOKEN",
                       wechat_templates={"birthday": "TPL-BIRTHDAY", "default": "TPL-ANY"},
                       wechat_link="https://dealer.example/m", retry_backoff=1)
    start = datetime.now(UTC) + timedelta(days=2)
    run_scheduler(start, wechat_token="ACCESS-TOKEN",
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    [note] = notifications(client, customer_id)
    assert note["status"] == "pending" and note["last_error"] == "WeChat refused it: errcode 40001 invalid credential"
    assert deliver_due(sessions, settings, senders(settings), start + timedelta(minutes=1)) == 1
    assert notifications(client, customer_id)[0]["status"] == "sent"
    path, body = fake.requests[-1]
    url = urlparse(path)
    assert url.path == "/cgi-bin/message/template/send"
    assert parse_qs(url.query) == {"access_token": ["ACCESS-TOKEN"]}
    assert (body["touser"], body["template_id"], body["url"]) == (OPENID, "TPL-BIRTHDAY", "https://dealer.example/m")
    assert body["data"]["first"] == {"value": "生日祝福"}
    assert body["data"]["remark"] == {"value": "尊敬的王芳，祝您生日快乐！"}
    assert all(set(value) == {"value"} for value in body["data"].values())


def test_wechat_needs_consent_and_an_openid(app, client, sessions, customer, run_scheduler, wechat, today):
    fake = wechat()
    client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["wechat"]}, headers=MANAGER)
    birthday = (today + timedelta(days=1)).replace(year=1990).isoformat()
    no_consent = customer(birthday=birthday, quiet_hours=None, wechat_openid=OPENID)
    no_openid = customer(birthday=birthday, quiet_hours=None,
                         consent={"sms": True, "phone": True, "email": False, "wechat": True})
    settings = replace(app.extensions["reminder_settings"], wechat_url=fake.url, wechat_token="T",
                       wechat_templates={"default": "TPL"})
    run_scheduler(datetime.now(UTC) + timedelta(days=2), wechat_token="T",
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    assert [n["skip_reason"] for n in notifications(client, no_consent)] == ["no consent to WeChat"]
    assert [n["skip_reason"] for n in notifications(client, no_openid)] == ["no WeChat openid"]
    assert fake.requests == []
