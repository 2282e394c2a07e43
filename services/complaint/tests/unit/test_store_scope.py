"""Callers tied to stores (门店) see and work on their stores' complaints only."""
from __future__ import annotations

from servicekit.testing import auth_headers

SHENZHEN = auth_headers("agent", "li.si", stores=("store-sz-01",))
GROUP = auth_headers("manager", "wang.manager")


def test_a_store_agent_lists_reads_and_moves_only_their_stores_complaints(client, known_customer, file):
    ours = file(customer_id=known_customer(store_id="store-sz-01"))
    theirs = file(customer_id=known_customer(store_id="store-gz-03"))
    nobody = file()
    listed = client.get("/api/v1/complaints", headers=SHENZHEN).get_json()
    assert [item["id"] for item in listed["items"]] == [ours["id"]]
    assert client.get("/api/v1/complaints", headers=GROUP).get_json()["total"] == 3
    assert client.get(f"/api/v1/complaints/{ours['id']}", headers=SHENZHEN).status_code == 200
    for other in (theirs, nobody):
        path = f"/api/v1/complaints/{other['id']}"
        refused = client.get(path, headers=SHENZHEN)
        assert refused.status_code == 403 and "out of reach" in refused.get_json()["detail"]
        assert client.post(f"{path}/acknowledge", headers=SHENZHEN).status_code == 403
        assert client.get(f"{path}/timeline", headers=SHENZHEN).status_code == 403
        assert client.get(f"{path}/rectifications", headers=SHENZHEN).status_code == 403
    assert client.get(f"/api/v1/complaints/{theirs['id']}", headers=GROUP).json["status"] == "filed"
    assert client.post(f"/api/v1/complaints/{ours['id']}/acknowledge", headers=SHENZHEN).status_code == 200


def test_a_store_agent_files_only_for_their_stores_customers(client, known_customer):
    body = {"channel": "store", "category": "service", "severity": "minor", "description": "等了很久"}
    ours = client.post("/api/v1/complaints", headers=SHENZHEN,
                       json={**body, "customer_id": known_customer(store_id="store-sz-01")})
    assert ours.status_code == 201 and ours.get_json()["store_id"] == "store-sz-01"
    theirs = client.post("/api/v1/complaints", headers=SHENZHEN,
                         json={**body, "customer_id": known_customer(store_id="store-gz-03")})
    assert theirs.status_code == 403
    assert client.get("/api/v1/complaints", headers=GROUP).get_json()["total"] == 1
