"""Stores, and callers tied to stores: they reach their stores' customers only; the group's managers see all."""
from __future__ import annotations

import io
import time

import pytest
from servicekit.testing import auth_headers

ADMIN = auth_headers("admin", "root")
GROUP_MANAGER = auth_headers("manager", "zhao.jl")
SZ_AGENT = auth_headers("agent", "li.si", stores=("sz01",))
GZ_AGENT = auth_headers("agent", "wang.wu", stores=("gz01",))
TWO_STORES = auth_headers("agent", "chen.jing", stores=("sz01", "gz01"))


@pytest.fixture
def stores(client):
    for store_id, name in (("sz01", "深圳南山店"), ("gz01", "广州天河店")):
        response = client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": name,
                                                                      "region": {"province": "广东省"}})
        assert response.status_code == 201, response.get_json()


def create(client, headers, phone, **fields):
    return client.post("/api/v1/customers", headers=headers,
                       json={"name": "客户", "phone": phone, "kind": "prospect", **fields})


def test_admins_open_stores_and_everyone_reads_them(client, stores):
    listing = client.get("/api/v1/stores", headers=SZ_AGENT).get_json()
    assert [store["id"] for store in listing["items"]] == ["gz01", "sz01"] and listing["total"] == 2
    assert client.get("/api/v1/stores/sz01", headers=GZ_AGENT).get_json()["name"] == "深圳南山店"
    assert client.post("/api/v1/stores", headers=GROUP_MANAGER, json={"id": "x1", "name": "x"}).status_code == 403
    duplicate = client.post("/api/v1/stores", headers=ADMIN, json={"id": "sz01", "name": "again"})
    assert duplicate.status_code == 409
    assert client.get("/api/v1/stores/sz01", headers=ADMIN).get_json()["name"] == "深圳南山店"
    renamed = client.patch("/api/v1/stores/sz01", headers=ADMIN, json={"name": "深圳南山旗舰店"})
    assert renamed.get_json()["name"] == "深圳南山旗舰店"
    assert client.get("/api/v1/stores/nope", headers=ADMIN).status_code == 404


@pytest.mark.parametrize("body", [{"id": "Shenzhen 1", "name": "x"}, {"id": "sz02"}, {"id": "sz02", "name": " "}])
def test_a_bad_store_is_422(client, body):
    assert client.post("/api/v1/stores", headers=ADMIN, json=body).status_code == 422
    assert client.get("/api/v1/stores", headers=ADMIN).get_json()["total"] == 0


def test_a_store_agents_customer_lands_in_their_store_and_counts_there(client, stores):
    customer = create(client, SZ_AGENT, "13800000001").get_json()
    assert customer["store_id"] == "sz01"
    assert client.get("/api/v1/stores/sz01", headers=ADMIN).get_json()["customers"] == 1


def test_a_caller_of_several_stores_says_which(client, stores):
    response = create(client, TWO_STORES, "13800000002")
    assert response.status_code == 422 and "store_id" in response.get_json()["errors"]
    assert create(client, TWO_STORES, "13800000002", store_id="gz01").get_json()["store_id"] == "gz01"


def test_nobody_files_a_customer_in_a_store_not_theirs_or_one_that_does_not_exist(client, stores):
    assert create(client, SZ_AGENT, "13800000003", store_id="gz01").status_code == 403
    missing = create(client, GROUP_MANAGER, "13800000003", store_id="bj09")
    assert missing.status_code == 422 and "bj09" in missing.get_json()["errors"]["store_id"][0]
    assert client.get("/api/v1/customers", headers=ADMIN).get_json()["total"] == 0


def test_another_stores_customer_is_out_of_reach_as_if_it_did_not_exist(client, stores):
    theirs = create(client, GZ_AGENT, "13800000004").get_json()
    path = f"/api/v1/customers/{theirs['id']}"
    assert client.get(path, headers=SZ_AGENT).status_code == 404
    assert client.patch(path, headers={**SZ_AGENT, "If-Match": '"1"'}, json={"name": "x"}).status_code == 404
    assert client.get(f"{path}/visits", headers=SZ_AGENT).status_code == 404
    assert client.post(f"{path}/visits", headers=SZ_AGENT, json={"kind": "store"}).status_code == 404
    assert client.get(f"{path}/points", headers=SZ_AGENT).status_code == 404
    assert client.get(path, headers=GZ_AGENT).status_code == 200
    assert client.get(path, headers=TWO_STORES).status_code == 200
    assert client.get(path, headers=GROUP_MANAGER).status_code == 200


def test_a_store_agent_cannot_move_a_customer_out_of_their_stores(client, stores):
    mine = create(client, SZ_AGENT, "13800000005").get_json()
    path = f"/api/v1/customers/{mine['id']}"
    assert client.patch(path, headers={**SZ_AGENT, "If-Match": '"1"'}, json={"store_id": "gz01"}).status_code == 403
    assert client.patch(path, headers={**SZ_AGENT, "If-Match": '"1"'}, json={"store_id": None}).status_code == 403
    moved = client.patch(path, headers={**GROUP_MANAGER, "If-Match": '"1"'}, json={"store_id": "gz01"})
    assert moved.status_code == 200 and moved.get_json()["store_id"] == "gz01"
    assert client.get(path, headers=SZ_AGENT).status_code == 404


def test_customers_of_no_store_are_for_the_group_only(client, stores):
    unplaced = create(client, GROUP_MANAGER, "13800000006").get_json()
    assert unplaced["store_id"] is None
    assert client.get(f"/api/v1/customers/{unplaced['id']}", headers=SZ_AGENT).status_code == 404


def test_a_store_manager_cannot_merge_or_preview_another_stores_customer(client, stores):
    store_manager = auth_headers("manager", "sun.li", stores=("sz01",))
    mine = create(client, SZ_AGENT, "13800000007").get_json()
    theirs = create(client, GZ_AGENT, "13800000008").get_json()
    body = {"survivor_id": mine["id"], "merged_id": theirs["id"]}
    assert client.post("/api/v1/customers/merges/preview", headers=store_manager, json=body).status_code == 404
    assert client.post("/api/v1/customers/merges", headers=store_manager, json=body).status_code == 404
    assert client.get(f"/api/v1/customers/{theirs['id']}", headers=GZ_AGENT).get_json()["id"] == theirs["id"]
    assert client.post("/api/v1/customers/merges/preview", headers=GROUP_MANAGER, json=body).status_code == 200


def start_import(client, headers, content: bytes) -> str:
    """Start an import of a CSV file; the import's URL."""
    response = client.post("/api/v1/customers/imports", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "深圳客户.csv")})
    assert response.status_code == 202, response.get_json()
    return response.headers["Location"]


def finished(client, location: str, headers) -> dict:
    """The import at `location` once it has finished."""
    deadline = time.monotonic() + 20
    while (job := client.get(location, headers=headers).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_an_import_is_seen_only_by_callers_who_reach_the_stores_it_was_started_for(client, stores):
    mine = create(client, SZ_AGENT, "13800000011", external_id="SZ-1").get_json()
    location = start_import(client, SZ_AGENT, "name,phone,kind,external_id\n客户,12345,owner,SZ-1\n".encode())
    job = finished(client, location, SZ_AGENT)
    assert job["filename"] == "深圳客户.csv" and job["failed"] == 1
    for headers in (SZ_AGENT, TWO_STORES, GROUP_MANAGER, ADMIN):
        assert client.get(location, headers=headers).status_code == 200
        assert client.get(f"{location}/errors", headers=headers).get_json()["total"] == 1
    for path in (location, f"{location}/errors"):
        response = client.get(path, headers=GZ_AGENT)
        assert response.status_code == 404, path
        assert "深圳客户" not in response.get_data(as_text=True) and mine["id"] not in response.get_data(as_text=True)


def test_an_import_of_the_whole_group_is_not_seen_by_a_store_agent(client, stores):
    location = start_import(client, GROUP_MANAGER, "name,phone,kind\n客户,13800000012,owner\n".encode())
    assert finished(client, location, GROUP_MANAGER)["created"] == 1
    assert client.get(location, headers=SZ_AGENT).status_code == 404
    assert client.get(f"{location}/errors", headers=SZ_AGENT).status_code == 404


def test_an_import_creating_customers_in_one_store_is_followed_by_that_stores_staff(client, stores):
    response = client.post("/api/v1/customers/imports", headers=GROUP_MANAGER, content_type="multipart/form-data",
                           data={"file": (io.BytesIO("name,phone,kind\n客户,13800000013,owner\n".encode()), "深圳.csv"),
                                 "mode": "create", "store_id": "sz01"})
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    assert finished(client, location, GROUP_MANAGER)["created"] == 1
    assert client.get(location, headers=SZ_AGENT).status_code == 200
    assert client.get(f"{location}/errors", headers=SZ_AGENT).status_code == 200
    assert client.get(location, headers=GZ_AGENT).status_code == 404
