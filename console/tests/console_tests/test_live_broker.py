"""The live process on the real RabbitMQ (a throwaway vhost): a person of store A is told of a store A complaint
and not of a store B one, and the process's own queue goes when the process stops."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from console.app import create_app
from console.config import ConsoleSettings
from console.security import SESSION_COOKIE
from servicekit.bus import Outgoing, Publisher, connect
from servicekit.config import Settings
from servicekit.events import EXCHANGE, Event
from servicekit.processes import clean_env, free_port, wait_until_ready

from console_tests.conftest import sign_in

pytestmark = pytest.mark.integration
SECRET = "live-broker-test-secret"


def cookie_of(tmp_path, stores: tuple[str, ...]) -> str:
    """The session cookie the console gives a person of `stores` when they sign in."""
    settings = ConsoleSettings(api_url="http://gateway.test", port=0, secret_key=SECRET, var_dir=tmp_path)
    browser = sign_in(create_app(settings), "agent", stores=stores)
    browser.get("/healthz")
    return browser.client.get_cookie(SESSION_COOKIE).value


def complaint_filed(store: str) -> Outgoing:
    event_id = str(uuid.uuid4())
    event = Event(id=event_id, type="complaint.filed.v1", source="/guanxi/complaint", subject=event_id,
                  time="2026-12-03T01:00:00Z", data={"complaint_id": event_id, "customer_id": str(uuid.uuid4()),
                                                      "store_id": store, "description": "门店测试"})
    return Outgoing(EXCHANGE, event.type, event.to_json(), event_id)


def queues(amqp_url: str) -> list[str]:
    vhost = amqp_url.rsplit("/", 1)[1]
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name"], check=True,
                            capture_output=True, text=True, timeout=60).stdout
    return [line.strip() for line in listed.splitlines() if line.strip() and line.strip() != "name"]


def test_a_person_of_store_a_is_told_of_store_a_only_and_the_queue_goes_with_the_process(amqp_url, tmp_path):
    port = free_port()
    env = {**clean_env(tmp_path), "CRM_BROKER_URL": amqp_url, "CRM_CONSOLE_SECRET_KEY": SECRET,
           "CRM_CONSOLE_LIVE_PORT": str(port)}
    log = (tmp_path / "live.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "console", "live"], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", process, timeout=30)
        queue = httpx.get(f"http://127.0.0.1:{port}/readyz").json()["queue"]
        assert queue in queues(amqp_url)
        received = []
        with httpx.stream("GET", f"http://127.0.0.1:{port}/live/stream?on=complaint", timeout=10,
                          cookies={SESSION_COOKIE: cookie_of(tmp_path, ("store-a",))}) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            settings = Settings.from_env("console_live", {"CRM_BROKER_URL": amqp_url, "CRM_VAR_DIR": str(tmp_path)})
            with connect(settings) as connection:
                Publisher(connection).publish([complaint_filed("store-b"), complaint_filed("store-a")])
            deadline = time.monotonic() + 5
            for line in lines:
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                    break
                assert time.monotonic() < deadline
        assert [event["store_id"] for event in received] == ["store-a"]
    finally:
        process.terminate()
        process.wait(15)
        log.close()
    assert queue not in queues(amqp_url)
