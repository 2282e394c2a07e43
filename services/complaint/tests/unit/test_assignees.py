"""A complaint is assigned only to an active user, known from the gateway's user events, who works in the
complaint's store (or for the whole group): anyone else is a 422 naming `assignee`, and nothing changes."""
from __future__ import annotations

import pytest
from complaint.entrypoints.consumer import USERS_QUEUE, subscriptions
from complaint.entrypoints.subscriptions import QUEUES
from servicekit.testing import auth_headers

from servicekit import staff, topology

MANAGER = auth_headers("manager", "wang.manager")


@pytest.fixture
def complaint(file, known_customer, client):
    filed = file(customer_id=known_customer(store_id="bj01"))
    assert client.post(f"/api/v1/complaints/{filed['id']}/acknowledge", headers=MANAGER).status_code == 200
    return filed


def assign(client, complaint, assignee):
    return client.post(f"/api/v1/complaints/{complaint['id']}/assign", headers=MANAGER,
                       json={"department": "after_sales", "assignee": assignee})


def test_a_name_that_is_no_user_is_refused(client, complaint, events):
    before = len(events())
    response = assign(client, complaint, "ghost.user")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"assignee": ["用户 ghost.user 不存在 (there is no user ghost.user)."]}
    assert len(events()) == before
    assert client.get(f"/api/v1/complaints/{complaint['id']}", headers=MANAGER).get_json()["status"] == "acknowledged"


def test_a_user_of_another_store_is_refused_and_one_of_the_store_accepted(known_user, client, complaint):
    known_user("sh.sa", stores=["sh01"])
    known_user("bj.sa", stores=["bj01", "bj02"])
    refused = assign(client, complaint, "sh.sa")
    assert refused.status_code == 422 and "does not work in store bj01" in refused.get_json()["errors"]["assignee"][0]
    assert assign(client, complaint, "bj.sa").get_json()["assignee"] == "bj.sa"


def test_an_inactive_user_is_refused_also_on_reassignment(known_user, client, complaint):
    known_user("bj.sa", stores=["bj01"])
    assert assign(client, complaint, "bj.sa").status_code == 200
    known_user("bj.sa", stores=["bj01"], active=False, version=2)
    response = assign(client, complaint, "bj.sa")
    assert response.status_code == 422 and "已停用" in response.get_json()["errors"]["assignee"][0]


def test_a_user_moved_to_this_store_later_may_be_assigned(known_user, client, complaint):
    known_user("mover", stores=["sh01"])
    assert assign(client, complaint, "mover").status_code == 422
    known_user("mover", stores=["bj01"], version=2)
    known_user("mover", stores=["sh01"], version=1)  # a late, older event changes nothing
    assert assign(client, complaint, "mover").status_code == 200


def test_the_consumer_reads_the_users_queue():
    assert set(QUEUES[USERS_QUEUE]) == set(staff.USER_EVENTS)
    assert {sub.queue: sub.routing_keys for sub in subscriptions()} == QUEUES
    assert topology.installed_queues()["complaint"] == QUEUES  # what `python -m servicekit.queues` reads
    assert [(sub.queue, sub.handler) for sub in subscriptions() if sub.queue == USERS_QUEUE] == [
        (USERS_QUEUE, staff.apply_user_event)]
