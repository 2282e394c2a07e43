"""Escalation contacts: per store and level the username told, with a group-wide default per level; the
escalation event and the complaint name who was told."""
from __future__ import annotations

from datetime import datetime

import pytest
from complaint.service_layer.scanner import scan
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

AGENT = auth_headers("agent", "li.si")
VIEWER = auth_headers("viewer", "zhou.view")
GROUP_MANAGER = auth_headers("manager", "boss")
STORE_MANAGER = auth_headers("manager", "sz.boss", stores=("sz01",))
ADMIN = auth_headers("admin", "root")
PATH = "/api/v1/complaints/escalation-contacts"


@pytest.fixture(autouse=True)
def managers(known_user):
    """The people named below, as the gateway announced them."""
    for username in ("sun.gm", "zhou.gm", "me", "other", "x"):
        known_user(username, role="manager")
    for username in ("sz.manager", "sz.gm"):
        known_user(username, role="manager", stores=["sz01"])
    known_user("gz.manager", role="manager", stores=["gz01"])


def name(client, store_id, level, username, headers=ADMIN):
    response = client.post(PATH, json={"store_id": store_id, "level": level, "username": username}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_contacts_are_a_group_wide_setting_listed_page_by_page(client):
    default = name(client, "*", "general_manager", "sun.gm", GROUP_MANAGER)
    assert default["updated_by"] == "boss" and default["store_id"] == "*"
    name(client, "sz01", "manager", "sz.manager")
    name(client, "sz01", "general_manager", "sz.gm")
    name(client, "gz01", "manager", "gz.manager")
    refused = client.post(PATH, json={"store_id": "sz01", "level": "manager", "username": "me"}, headers=STORE_MANAGER)
    assert refused.status_code == 403
    assert client.post(PATH, json={"store_id": "x", "level": "manager", "username": "me"},
                       headers=AGENT).status_code == 403
    twice = client.post(PATH, json={"store_id": "sz01", "level": "manager", "username": "other"}, headers=ADMIN)
    assert twice.status_code == 409 and "sz.manager" in twice.get_json()["detail"]
    bad = client.post(PATH, json={"store_id": "sz01", "level": "ceo", "username": "a\nb"}, headers=ADMIN)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"level", "username"}
    first = client.get(f"{PATH}?page_size=2", headers=VIEWER).get_json()
    assert first["total"] == 4 and len(first["items"]) == 2 and first["items"][0]["store_id"] == "*"
    second = client.get(f"{PATH}?page_size=2&page=2", headers=VIEWER).get_json()
    assert len(second["items"]) == 2
    of_sz = client.get(f"{PATH}?store_id=sz01", headers=VIEWER).get_json()
    assert {item["username"] for item in of_sz["items"]} == {"sz.manager", "sz.gm"}
    managers = client.get(f"{PATH}?level=manager", headers=VIEWER).get_json()
    assert managers["total"] == 2
    changed = client.patch(f"{PATH}/{default['id']}", json={"username": "zhou.gm"}, headers=GROUP_MANAGER)
    assert changed.status_code == 200 and changed.get_json()["username"] == "zhou.gm"
    assert client.patch(f"{PATH}/{default['id']}", json={"username": "x"}, headers=STORE_MANAGER).status_code == 403
    assert client.delete(f"{PATH}/{default['id']}", headers=STORE_MANAGER).status_code == 403
    assert client.delete(f"{PATH}/{default['id']}", headers=ADMIN).status_code == 204
    assert client.get(f"{PATH}/{default['id']}", headers=VIEWER).status_code == 404


@pytest.mark.parametrize("store, told", [("sz01", "sz.gm"), ("gz01", "sun.gm"), (None, "sun.gm")])
def test_a_serious_complaint_names_the_general_manager_of_its_store_else_the_default(
        client, file, known_customer, events, store, told):
    name(client, "*", "general_manager", "sun.gm")
    name(client, "sz01", "general_manager", "sz.gm")
    name(client, "sz01", "manager", "sz.manager")
    customer = known_customer(store_id=store) if store else known_customer()
    complaint = file(customer_id=customer, severity="serious")
    assert complaint["escalation_level"] == "general_manager" and complaint["escalated_to"] == told
    escalated = events()[-1]
    assert escalated.type == "complaint.escalated.v1"
    assert escalated.data["escalated_to"] == told and escalated.data["target"] is None
    shown = client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()
    assert shown["escalated_to"] == told
    timeline = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    assert timeline[-1]["action"] == "escalate" and timeline[-1]["details"]["escalated_to"] == told


def test_the_one_told_must_be_a_user_who_works_where_the_complaints_are(client, known_user):
    ghost = client.post(PATH, json={"store_id": "*", "level": "manager", "username": "ghost.user"}, headers=ADMIN)
    assert ghost.status_code == 422 and "ghost.user" in ghost.get_json()["errors"]["username"][0]
    elsewhere = client.post(PATH, json={"store_id": "sz01", "level": "manager", "username": "gz.manager"},
                            headers=ADMIN)
    assert elsewhere.status_code == 422 and "username" in elsewhere.get_json()["errors"]
    of_one_store = client.post(PATH, json={"store_id": "*", "level": "manager", "username": "sz.manager"},
                               headers=ADMIN)
    assert of_one_store.status_code == 422, "the group-wide default must work for every store"
    contact = name(client, "sz01", "manager", "sz.manager")
    known_user("left.gm", role="manager", active=False)
    gone = client.patch(f"{PATH}/{contact['id']}", json={"username": "left.gm"}, headers=ADMIN)
    assert gone.status_code == 422 and "username" in gone.get_json()["errors"]
    assert client.get(f"{PATH}/{contact['id']}", headers=VIEWER).get_json()["username"] == "sz.manager"
    assert client.get(PATH, headers=VIEWER).get_json()["total"] == 1


def test_without_contacts_the_escalation_names_nobody(file, events):
    complaint = file(severity="critical")
    assert complaint["escalated_to"] is None
    assert events()[-1].data["escalated_to"] is None


def test_an_sla_breach_tells_the_manager_of_the_store(app, client, file, known_customer, events):
    name(client, "sz01", "manager", "sz.manager")
    name(client, "*", "general_manager", "sun.gm")
    complaint = file(customer_id=known_customer(store_id="sz01"))
    due = datetime.fromisoformat(complaint["sla"]["acknowledge"]["due_at"])
    scan(service_context(app).sessions, due, limit=10)
    escalated = events()[-1]
    assert escalated.type == "complaint.escalated.v1" and escalated.data["level"] == "manager"
    assert escalated.data["target"] == "acknowledge" and escalated.data["escalated_to"] == "sz.manager"
    shown = client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()
    assert shown["escalated_to"] == "sz.manager" and shown["escalation_level"] == "manager"
    resolve_due = datetime.fromisoformat(shown["sla"]["resolve"]["due_at"])
    scan(service_context(app).sessions, resolve_due, limit=10)  # the next breach: one level up
    assert events()[-1].data["level"] == "general_manager" and events()[-1].data["escalated_to"] == "sun.gm"
