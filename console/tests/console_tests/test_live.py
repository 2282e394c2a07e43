"""Live updates: who is told of which event (roles and stores, what their page listens to), the stream's session
check with the console's own cookie, and what the pages give the script (the stream's address, the regions)."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from console.config import ConsoleSettings
from console.live.bus import LiveFeed, local_queue_name
from console.live.server import BACKLOG, Stream
from console.live.server import create_app as create_live_app
from console.live.visibility import summary_of, viewer_of
from console.security import SESSION_COOKIE, session_reader
from kombu import Connection, Queue, binding
from servicekit.bus import Outgoing, Publisher, connect
from servicekit.config import Settings
from servicekit.events import EXCHANGE, Event
from servicekit.topology import EVENTS

from console_tests.conftest import sign_in
from console_tests.fakeapi import page, token_for

COMPLAINT_DATA = {"complaint_id": "c-1", "customer_id": "cu-1", "store_id": "store-a", "status": "filed",
                  "description": "客户张三投诉：变速箱顿挫", "actor": "li.si"}


def viewer(role="agent", stores=(), **listening):
    return viewer_of({"token": token_for("li.si", role, stores)}, **listening)


def complaint(store):
    return summary_of("complaint.filed.v1", {**COMPLAINT_DATA, "store_id": store})


# -- who is told of what ------------------------------------------------------------------------------------


def test_a_person_of_a_store_is_told_of_that_stores_events_only():
    person = viewer(stores=("store-a",))
    assert person.wants(complaint("store-a"))
    assert not person.wants(complaint("store-b"))
    assert not person.wants(complaint(None))  # no store: not known to be theirs


def test_people_of_the_whole_group_and_admins_are_told_of_every_store():
    assert viewer().wants(complaint("store-b")) and viewer().wants(complaint(None))
    admin = viewer("admin", stores=("store-a",))
    assert admin.wants(complaint("store-b")) and admin.wants(complaint(None))


def test_a_session_without_a_usable_token_names_nobody():
    assert viewer_of(None) is None
    assert viewer_of({}) is None
    assert viewer_of({"token": "not a token"}) is None
    expired = jwt.encode({"sub": "li.si", "role": "agent", "exp": int(time.time()) - 5}, "x")
    assert viewer_of({"token": expired}) is None
    assert viewer_of({"token": jwt.encode({"sub": "li.si", "role": "owner"}, "x")}) is None


def test_a_page_is_told_only_of_the_kinds_of_event_it_shows():
    listing = viewer(families=("complaint",))
    reminder = summary_of("reminder.due.v1", {"reminder_id": "r-1", "customer_id": "cu-1", "owner": "li.si"})
    assert listing.wants(complaint(None))
    assert not listing.wants(reminder)
    visit = summary_of("visit.done.v1", {"customer_id": "cu-1", "visit": {"id": "v-1", "notes": "换机油"}})
    assert not viewer(families=("visit",)).wants(visit)  # customer events go to that customer's page only
    assert viewer(families=("visit",), customers=("cu-1",)).wants(visit)
    assert not viewer(families=("visit",), customers=("cu-2",)).wants(visit)


def test_the_page_is_told_ids_and_the_store_never_personal_data():
    summary = complaint("store-a")
    assert summary == {"type": "complaint.filed.v1", "complaint_id": "c-1", "customer_id": "cu-1",
                       "store_id": "store-a"}
    created = summary_of("customer.created.v1", {"id": "cu-9", "name": "张三", "phone": "+8613800138000",
                                                 "owner": "li.si", "store_id": "store-a"})
    assert created == {"type": "customer.created.v1", "customer_id": "cu-9", "store_id": "store-a"}
    task = summary_of("reminder.due.v1", {"reminder_id": "r-1", "customer_id": "cu-1", "owner": "li.si",
                                          "reason": "生日", "store_id": None})
    assert task == {"type": "reminder.due.v1", "reminder_id": "r-1", "customer_id": "cu-1", "owner": "li.si"}
    assert summary_of("user.created.v1", {"username": "li.si"}) is None


# -- the session cookie ---------------------------------------------------------------------------------------


def session_cookie(app, role="agent", stores=()) -> str:
    browser = sign_in(app, role, stores=stores)
    browser.get("/")
    return browser.client.get_cookie(SESSION_COOKIE).value


def test_the_stream_reads_the_consoles_own_session_cookie(app):
    cookie = session_cookie(app, stores=("store-a",))
    read = session_reader(app.secret_key)
    assert viewer_of(read(cookie)).identity.stores == ("store-a",)
    assert read(cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")) is None  # altered
    assert session_reader("another console's key")(cookie) is None


class FakeFeed:
    """Stands in for the broker: the test hands events to `deliver` from another thread, as the feed does."""

    def __init__(self, deliver, connected) -> None:
        self.deliver, self.connected = deliver, connected
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.ready.set()
        self.connected()
        stop.wait()


async def _read_events(response, wanted: int, timeout: float = 5.0) -> list[tuple[str, dict]]:
    events, kind = [], None
    deadline = time.monotonic() + timeout
    while len(events) < wanted:
        line = (await asyncio.wait_for(response.content.readline(), deadline - time.monotonic())).decode()
        if line.startswith("event: "):
            kind = line[7:].strip()
        elif line.startswith("data: "):
            events.append((kind, json.loads(line[6:])))
    return events


def run_live(settings: ConsoleSettings, scenario) -> None:
    feeds = []

    def make_feed(deliver, connected):
        feeds.append(FakeFeed(deliver, connected))
        return feeds[-1]

    async def main():
        async with TestClient(TestServer(create_live_app(settings, make_feed, heartbeat=0.2))) as client:
            await scenario(client, feeds[0])

    asyncio.run(main())


def live_settings(app) -> ConsoleSettings:
    return app.extensions["console"].settings


def test_the_stream_refuses_a_request_without_a_session(app):
    async def scenario(client, _feed):
        assert (await client.get("/live/stream")).status == 401
        refused = await client.get("/live/stream", cookies={SESSION_COOKIE: "forged"})
        assert refused.status == 401

    run_live(live_settings(app), scenario)


def test_a_person_of_store_a_receives_store_a_events_but_not_store_b(app):
    cookie = session_cookie(app, stores=("store-a",))

    async def scenario(client, feed):
        response = await client.get("/live/stream?on=complaint", cookies={SESSION_COOKIE: cookie})
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert (await response.content.readline()).decode().startswith("retry: ")
        for store in ("store-b", "store-a"):
            threading.Thread(target=feed.deliver, args=(complaint(store),)).start()
        [(kind, event)] = await _read_events(response, 1)
        assert kind == "update" and event["store_id"] == "store-a"
        response.close()

    run_live(live_settings(app), scenario)


def test_the_stream_keeps_itself_alive_with_comments(app):
    cookie = session_cookie(app)

    async def scenario(client, _feed):
        response = await client.get("/live/stream", cookies={SESSION_COOKIE: cookie})
        lines = [(await asyncio.wait_for(response.content.readline(), 2)).decode() for _ in range(5)]
        assert ": heartbeat\n" in lines
        response.close()

    run_live(live_settings(app), scenario)


def test_a_page_of_this_host_on_another_port_may_open_the_stream_with_its_cookie_another_site_may_not(app):
    cookie = session_cookie(app)

    async def scenario(client, _feed):
        host = f"http://{client.server.host}"
        response = await client.get("/live/stream", cookies={SESSION_COOKIE: cookie},
                                    headers={"Origin": f"{host}:8080"})
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == f"{host}:8080"
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        response.close()
        foreign = await client.get("/live/stream", cookies={SESSION_COOKIE: cookie},
                                   headers={"Origin": "https://evil.example"})
        assert foreign.status == 403

    run_live(live_settings(app), scenario)


# -- what the pages give the script -------------------------------------------------------------------------


def test_a_page_names_the_stream_on_its_own_host_and_its_policy_allows_it(app, agent):
    response = agent.get("/complaints", headers={"X-Forwarded-Host": "console.example:8080"})  # as the gateway says
    html = response.get_data(as_text=True)
    port = live_settings(app).live_port
    assert f'<meta name="console-live" content="http://console.example:{port}/live/stream"' in html
    assert f"connect-src 'self' http://console.example:{port};" in response.headers["Content-Security-Policy"]
    assert 'data-poll-seconds="30.0"' in html


@pytest.fixture
def routed_app(app):
    """A console whose edge routes /live/ to the live process: the stream is on the page's own origin."""
    state = app.extensions["console"]
    state.settings = ConsoleSettings(**{**state.settings.__dict__, "live_url": "/live/stream"})
    return app


def test_a_stream_routed_on_the_pages_own_origin_needs_nothing_more_from_the_policy(routed_app):
    response = sign_in(routed_app).get("/complaints")
    assert '<meta name="console-live" content="/live/stream"' in response.get_data(as_text=True)
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]


def test_each_screen_marks_the_part_that_shows_events(agent, fake_api):
    fake_api.on("GET", "/complaints", page([]))
    listing = agent.get("/complaints").get_data(as_text=True)
    assert '<div id="live-complaints" data-live-on="complaint.">' in listing
    fake_api.on("GET", "/reminders/tasks", page([]))
    today = agent.get("/").get_data(as_text=True)
    assert 'data-live-on="reminder." data-live-where="owner=li.si"' in today


# -- the embedded bus ---------------------------------------------------------------------------------------


def test_on_the_embedded_bus_the_feed_clears_a_dead_processs_queue_reads_its_own_and_removes_it_at_stop(tmp_path):
    settings = Settings.from_env("console_live", {"CRM_VAR_DIR": str(tmp_path)})
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = local_queue_name(int(gone.stdout))

    def bound() -> set[str]:
        with connect(settings) as connection:
            return {entry.queue for entry in connection.default_channel.get_table(EXCHANGE)}

    with connect(settings) as connection:
        Queue(stale, bindings=[binding(EVENTS, routing_key="complaint.#")]).bind(connection.default_channel).declare()
    assert stale in bound()
    received = []
    feed = LiveFeed(settings, received.append)
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(stop,))
    thread.start()
    try:
        assert feed.ready.wait(10)
        assert bound() == {local_queue_name()}
        event = Event(id="e-1", type="complaint.filed.v1", source="/guanxi/complaint", subject="c-1",
                      time="2026-12-03T01:00:00Z", data=COMPLAINT_DATA)
        with connect(settings) as connection:
            Publisher(connection).publish([Outgoing(EXCHANGE, event.type, event.to_json(), event.id)])
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert received == [complaint("store-a")]
    finally:
        stop.set()
        thread.join(10)
    assert bound() == set()


def test_the_feed_reconnects_when_the_broker_cannot_be_reached(tmp_path):
    settings = Settings.from_env("console_live", {"CRM_VAR_DIR": str(tmp_path)})
    attempts = []

    def flaky():
        attempts.append(time.monotonic())
        if len(attempts) == 1:  # the broker is away at first
            return Connection("amqp://guest:guest@127.0.0.1:1//", connect_timeout=1)
        return connect(settings)

    connected = threading.Event()
    feed = LiveFeed(settings, lambda summary: None, connected.set, make_connection=flaky)
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(stop,))
    thread.start()
    try:
        assert connected.wait(15)
        assert len(attempts) == 2
    finally:
        stop.set()
        thread.join(10)


def test_after_the_broker_comes_back_every_page_is_told_to_catch_up(app):
    cookie = session_cookie(app)

    async def scenario(client, feed):
        response = await client.get("/live/stream", cookies={SESSION_COOKIE: cookie})
        await response.content.readline()
        threading.Thread(target=feed.connected).start()  # connected again after losing the broker
        [(kind, _data)] = await _read_events(response, 1)
        assert kind == "resync"
        response.close()

    run_live(live_settings(app), scenario)


def test_a_stream_too_far_behind_is_told_to_catch_up_instead_of_each_event_it_missed():
    async def scenario():
        stream = Stream(viewer())
        for _ in range(BACKLOG + 1 + 4):
            stream.put("update", complaint("store-a"))
        # what it missed is one refresh of its page; what came after, events as before
        assert stream.waiting.get_nowait() == ("resync", {})
        assert stream.waiting.qsize() == 4

    asyncio.run(scenario())
