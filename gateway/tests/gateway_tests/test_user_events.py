"""The gateway publishes its users (user.created.v1 / user.updated.v1) through its outbox, and every user it had
not published yet once at its start; the documented examples agree with the schema it publishes with."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from gateway.adapters.tables import users
from gateway.events import CONTRACT
from jsonschema import Draft202012Validator
from servicekit.db import outbox
from servicekit.events import parse_event
from servicekit.webapp import service_context
from sqlalchemy import select, update

DOCS = Path(__file__).resolve().parents[3] / "docs"
TYPES = ("user.created.v1", "user.updated.v1")


def published(app) -> list:
    with service_context(app).sessions() as session:
        return [parse_event(body) for body in session.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars()]


@pytest.fixture
def app(make_gateway):
    return make_gateway()


def test_the_first_admin_is_published_at_the_start(app):
    events = published(app)
    assert [(event.type, event.subject) for event in events] == [("user.created.v1", "admin")]
    assert events[0].source == "/guanxi/gateway"
    assert events[0].data["role"] == "admin" and events[0].data["version"] == 1 and events[0].data["stores"] == []


def test_creating_and_changing_a_user_publishes_each_change_with_a_higher_version(app, login):
    client = app.test_client()
    admin = login(client)
    client.post("/api/v1/users", headers=admin, json={
        "username": "li.lei", "password": "jaderiver1", "role": "agent", "stores": ["sz-nanshan"],
        "display_name": "李雷", "contacts": {"phone": "+86 138 0013 8000", "email": "li.lei@example.cn"}})
    client.patch("/api/v1/users/li.lei", headers=admin, json={"password": "another-jaderiver"})  # not published
    client.patch("/api/v1/users/li.lei", headers=admin, json={"stores": ["sz-futian", "sz-nanshan"],
                                                              "contacts": {"wechat_openid": "oX7v51Fh"}})
    client.patch("/api/v1/users/li.lei", headers=admin, json={"active": False, "display_name": None})
    events = [event for event in published(app) if event.subject == "li.lei"]
    assert [(event.type, event.data["version"]) for event in events] == [
        ("user.created.v1", 1), ("user.updated.v1", 2), ("user.updated.v1", 3)]
    assert events[0].data["display_name"] == "李雷"
    assert events[0].data["contacts"] == {"phone": "+86 138 0013 8000", "email": "li.lei@example.cn",
                                          "wechat_openid": None}
    assert events[1].data["stores"] == ["sz-futian", "sz-nanshan"]
    assert events[1].data["contacts"]["email"] == "li.lei@example.cn"  # contacts not named are kept
    assert events[2].data["active"] is False and events[2].data["display_name"] is None
    assert all("password" not in json.dumps(event.data) for event in events)
    shown = client.get("/api/v1/users/li.lei", headers=admin).get_json()
    assert shown["version"] == 3 and shown["contacts"]["wechat_openid"] == "oX7v51Fh"


def test_a_restart_announces_only_users_never_published(make_gateway, login):
    app = make_gateway()
    assert len(published(app)) == 1
    again = make_gateway()
    assert len(published(again)) == 1  # the admin was published already
    with service_context(again).sessions() as session:  # a user from before the gateway published users
        session.execute(update(users).values(announced_version=None))
        session.commit()
    third = make_gateway()
    events = published(third)
    assert [(event.type, event.subject, event.data["version"]) for event in events[1:]] == [
        ("user.updated.v1", "admin", 1)]
    assert len(published(make_gateway())) == 2


@pytest.mark.parametrize(("contacts", "field"), [
    ({"phone": "call me"}, "contacts.phone"), ({"email": "nobody"}, "contacts.email"),
    ({"wechat_openid": "has space"}, "contacts.wechat_openid"), ({"fax": "1"}, "contacts.fax")])
def test_bad_contacts_are_422_naming_the_field(client, admin, contacts, field):
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "li.lei", "password": "jaderiver1", "role": "agent", "contacts": contacts})
    assert response.status_code == 422 and field in response.get_json()["errors"]


def _examples() -> list[Path]:
    return [DOCS / "events" / f"{type}.json" for type in TYPES]


@pytest.mark.parametrize("path", _examples(), ids=lambda path: path.stem)
def test_example_data_validates_against_the_published_schema(path):
    event = parse_event(path.read_text(encoding="utf-8"))
    assert event.type == path.stem and event.source == "/guanxi/gateway" and event.subject == event.data["username"]
    assert CONTRACT.validation_errors(event.type, event.data) == {}
    broken = {**event.data, "version": "two", "contacts": {"phone": None}}
    assert set(CONTRACT.validation_errors(event.type, broken)) == {"version", "contacts"}


def test_asyncapi_lists_every_type_with_its_example_and_its_schema_agrees():
    spec = yaml.safe_load((DOCS / "asyncapi" / "gateway.yaml").read_text(encoding="utf-8"))
    messages = spec["components"]["messages"]
    assert {message["name"] for message in messages.values()} == set(CONTRACT.schemas) == set(TYPES)
    for key, message in messages.items():
        example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
        assert message["examples"][0]["payload"] == example
        validator = Draft202012Validator({"components": spec["components"],
                                          "$ref": f"#/components/messages/{key}/payload"})
        assert list(validator.iter_errors(example)) == []
        broken = {**example, "data": {**example["data"], "role": "boss", "version": 0}}
        assert len(list(validator.iter_errors(broken))) >= 2


def test_the_events_page_names_the_gateway():
    assert "events/gateway.md" in (DOCS / "events.md").read_text(encoding="utf-8")


def test_the_relay_declares_every_users_queue_as_its_service_binds_it_before_publishing():
    """Users announced at the start wait in the services' queues (docs/events/gateway.md): the relay declares each
    queue a service keeps its users copy from, with the same bindings, whichever service declared it."""
    from gateway.entrypoints.runner import DEFINITION

    from servicekit import topology

    declared = topology.every_queue()  # each installed service's own declarations
    users_queues = {queue: keys for queue, keys in declared.items() if set(keys) == set(TYPES)}
    assert set(users_queues) == {"complaint.users", "reminder.users", "customer.users"}
    assert DEFINITION.declares_before_publishing == users_queues
