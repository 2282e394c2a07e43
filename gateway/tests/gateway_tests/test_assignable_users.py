"""Those who assign work (managers, agents, integrations) list the users they may assign to: the active users
of their stores and the group-wide ones, without contacts or anything an admin alone sees."""
from __future__ import annotations

import pytest

USERS = [("bj.agent", "agent", ["bj01"]), ("sh.agent", "agent", ["sh01"]), ("both", "agent", ["bj01", "sh01"]),
         ("group.manager", "manager", []), ("bj.manager", "manager", ["bj01"]), ("bj.viewer", "viewer", ["bj01"])]


@pytest.fixture
def staffed(client, admin):
    for username, role, stores in USERS:
        response = client.post("/api/v1/users", headers=admin, json={
            "username": username, "password": "jaderiver1", "role": role, "stores": stores,
            "display_name": f"{username} 名", "contacts": {"phone": "+8613800138000"}})
        assert response.status_code == 201, response.get_json()
    client.post("/api/v1/users", headers=admin, json={"username": "bj.gone", "password": "jaderiver1",
                                                       "role": "agent", "stores": ["bj01"]})
    client.patch("/api/v1/users/bj.gone", headers=admin, json={"active": False})
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [user["username"] for user in response.get_json()]


def test_a_store_manager_lists_the_active_users_of_the_store_and_the_group_wide_ones(staffed, login):
    manager = login(staffed, "bj.manager", "jaderiver1")
    response = staffed.get("/api/v1/users", headers=manager)
    assert names(response) == ["admin", "bj.agent", "bj.manager", "bj.viewer", "both", "group.manager"]
    assert set(response.get_json()[1]) == {"username", "display_name", "role", "stores", "active"}
    assert response.get_json()[1]["display_name"] == "bj.agent 名"


def test_an_agent_also_assigns_work_and_lists_the_same_way(staffed, login):
    agent = login(staffed, "sh.agent", "jaderiver1")
    assert names(staffed.get("/api/v1/users", headers=agent)) == ["admin", "both", "group.manager", "sh.agent"]


def test_a_group_wide_manager_lists_every_active_user_and_may_narrow_to_a_store(staffed, login):
    manager = login(staffed, "group.manager", "jaderiver1")
    assert "bj.gone" not in names(staffed.get("/api/v1/users", headers=manager))
    assert len(names(staffed.get("/api/v1/users", headers=manager))) == 7
    assert names(staffed.get("/api/v1/users?store=sh01", headers=manager)) == [
        "admin", "both", "group.manager", "sh.agent"]


def test_a_store_manager_may_not_list_another_stores_users(staffed, login):
    manager = login(staffed, "bj.manager", "jaderiver1")
    assert staffed.get("/api/v1/users?store=sh01", headers=manager).status_code == 403
    assert staffed.get("/api/v1/users?store=Not%20a%20store", headers=manager).status_code == 422


def test_the_list_is_paginated(staffed, login):
    manager = login(staffed, "group.manager", "jaderiver1")
    first = staffed.get("/api/v1/users?page=1&page_size=3", headers=manager)
    second = staffed.get("/api/v1/users?page=3&page_size=3", headers=manager)
    assert names(first) == ["admin", "bj.agent", "bj.manager"] and names(second) == ["sh.agent"]
    assert '"total": 7' in first.headers["X-Pagination"]


def test_a_viewer_assigns_nothing_and_lists_nobody(staffed, login):
    assert staffed.get("/api/v1/users", headers=login(staffed, "bj.viewer", "jaderiver1")).status_code == 403


def test_admins_see_everyone_with_contacts(staffed, admin):
    users = {user["username"]: user for user in staffed.get("/api/v1/users?page_size=100", headers=admin).get_json()}
    assert users["bj.gone"]["active"] is False
    assert users["bj.agent"]["contacts"] == {"phone": "+8613800138000", "email": None, "wechat_openid": None}
