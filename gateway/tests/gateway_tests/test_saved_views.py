"""Saved views: a person keeps a list's filter under a name and may share it with their store; people of other
stores do not see it; its owner or a manager of its store deletes it; bad input is a 4xx problem."""
from __future__ import annotations

import pytest

PASSWORD = "jaderiver1"
USERS = [("bj.agent", "agent", ["bj01"]), ("bj.agent2", "agent", ["bj01"]), ("sh.agent", "agent", ["sh01"]),
         ("bj.manager", "manager", ["bj01"]), ("sh.manager", "manager", ["sh01"]),
         ("both", "agent", ["bj01", "sh01"]), ("group.manager", "manager", []), ("bj.viewer", "viewer", ["bj01"])]


@pytest.fixture
def people(client, admin, login):
    for username, role, stores in USERS:
        made = client.post("/api/v1/users", headers=admin,
                           json={"username": username, "password": PASSWORD, "role": role, "stores": stores})
        assert made.status_code == 201, made.get_json()
    return {username: login(client, username, PASSWORD) for username, _role, _stores in USERS}


def save(client, headers, **body):
    return client.post("/api/v1/saved-views", headers=headers,
                       json={"name": "超时投诉", "screen": "complaints", "query": "breached=true", **body})


def names(client, headers, query=""):
    response = client.get(f"/api/v1/saved-views{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [view["name"] for view in response.get_json()]


def test_a_view_kept_for_oneself_is_seen_by_its_owner_only(client, people):
    made = save(client, people["bj.agent"], query="?status=filed&department=sales")
    assert made.status_code == 201, made.get_json()
    view = made.get_json()
    assert (view["owner"], view["screen"], view["query"], view["shared"], view["store_id"], view["deletable"]) == \
        ("bj.agent", "complaints", "status=filed&department=sales", False, None, True)
    assert names(client, people["bj.agent"]) == ["超时投诉"]
    assert names(client, people["bj.agent2"]) == names(client, people["bj.manager"]) == []


def test_a_shared_view_is_seen_in_its_store_and_not_by_another_stores_people(client, people):
    view = save(client, people["bj.agent"], shared=True).get_json()
    assert view["store_id"] == "bj01"
    for seeing in ("bj.agent2", "bj.manager", "both", "group.manager", "bj.viewer"):
        assert names(client, people[seeing]) == ["超时投诉"], seeing
    for not_seeing in ("sh.agent", "sh.manager"):
        assert names(client, people[not_seeing]) == [], not_seeing
    assert client.delete(f"/api/v1/saved-views/{view['id']}", headers=people["sh.manager"]).status_code == 404


def test_the_list_is_paginated_and_filtered_by_screen(client, people):
    for number in range(3):
        assert save(client, people["bj.agent"], name=f"视图{number}").status_code == 201
    assert save(client, people["bj.agent"], name="我的客户", screen="customers", query="owner=bj.agent").status_code \
        == 201
    assert names(client, people["bj.agent"], "?screen=customers") == ["我的客户"]
    first = client.get("/api/v1/saved-views?screen=complaints&page=1&page_size=2", headers=people["bj.agent"])
    assert [view["name"] for view in first.get_json()] == ["视图0", "视图1"]
    assert '"total": 3' in first.headers["X-Pagination"]


def test_the_owner_or_a_manager_of_its_store_deletes_a_shared_view(client, people):
    first = save(client, people["bj.agent"], shared=True).get_json()
    second = save(client, people["bj.agent"], name="另一个", shared=True).get_json()
    [shown] = [view for view in client.get("/api/v1/saved-views", headers=people["bj.agent2"]).get_json()
               if view["id"] == first["id"]]
    assert shown["deletable"] is False
    refused = client.delete(f"/api/v1/saved-views/{first['id']}", headers=people["bj.agent2"])
    assert refused.status_code == 403 and refused.get_json()["status"] == 403
    assert client.delete(f"/api/v1/saved-views/{first['id']}", headers=people["bj.manager"]).status_code == 204
    assert client.delete(f"/api/v1/saved-views/{second['id']}", headers=people["bj.agent"]).status_code == 204
    assert names(client, people["bj.agent"]) == []
    assert client.delete(f"/api/v1/saved-views/{first['id']}", headers=people["bj.agent"]).status_code == 404


def test_a_person_of_several_stores_names_the_store_to_share_with(client, people):
    unnamed = save(client, people["both"], shared=True)
    assert unnamed.status_code == 422 and "store_id" in unnamed.get_json()["errors"]
    named = save(client, people["both"], shared=True, store_id="sh01")
    assert named.status_code == 201 and named.get_json()["store_id"] == "sh01"
    assert names(client, people["sh.agent"]) == ["超时投诉"] and names(client, people["bj.agent"]) == []
    assert save(client, people["bj.agent"], shared=True, store_id="sh01").status_code == 403
    group = save(client, people["group.manager"], shared=True).get_json()
    assert group["store_id"] is None and names(client, people["sh.agent"]) == ["超时投诉", "超时投诉"]


@pytest.mark.parametrize("body, field", [
    ({"screen": "reports"}, "screen"), ({"name": ""}, "name"), ({"name": "两行\n名字"}, "name"),
    ({"query": "status"}, "query"), ({"query": "a=1 b=2"}, "query"), ({"query": "q=" + "x" * 2000}, "query"),
    ({"shared": "perhaps"}, "shared"), ({"store_id": "BJ 01"}, "store_id"),
])
def test_bad_input_is_a_422_naming_the_field(client, people, body, field):
    response = save(client, people["bj.agent"], **body)
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()


def test_a_second_view_of_one_name_on_one_list_is_a_conflict(client, people):
    assert save(client, people["bj.agent"]).status_code == 201
    again = save(client, people["bj.agent"], query="status=filed")
    assert again.status_code == 409 and "超时投诉" in again.get_json()["detail"]
    assert save(client, people["bj.agent2"]).status_code == 201  # another person's name is theirs
    assert save(client, people["bj.agent"], screen="today").status_code == 201


def test_a_viewer_opens_the_views_shared_with_them_and_saves_none(client, people):
    view = save(client, people["bj.agent"], shared=True).get_json()
    assert names(client, people["bj.viewer"]) == ["超时投诉"]
    assert save(client, people["bj.viewer"], name="我的").status_code == 403
    assert client.delete(f"/api/v1/saved-views/{view['id']}", headers=people["bj.viewer"]).status_code == 403


def test_saved_views_need_a_token_and_are_in_the_openapi_document(client, people):
    assert client.get("/api/v1/saved-views").status_code == 401
    assert client.get("/api/v1/saved-views?screen=nowhere", headers=people["bj.agent"]).status_code == 422
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/saved-views", "/api/v1/saved-views/{view_id}"} <= set(paths)
