"""A merged record's id: served by its survivor, reached as the survivor is, and never written to."""
from __future__ import annotations

import pytest
from customer.domain.errors import Conflict
from customer.service_layer.assets import register_asset
from customer.service_layer.visits import record_visit
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

ADMIN = auth_headers("admin", "root")
GROUP_MANAGER = auth_headers("manager", "zhao.jl")
SH_AGENT = auth_headers("agent", "li.si", stores=("sh01",))
BJ_AGENT = auth_headers("agent", "wang.wu", stores=("bj01",))
SH_MANAGER = auth_headers("manager", "sun.li", stores=("sh01",))
BJ_MANAGER = auth_headers("manager", "zhou.qi", stores=("bj01",))

#: A valid body for each write under /customers/{id}; a write route added without one fails the test below.
WRITES = {
    "customers.patch": {"notes": "改了"},
    "assets.register": {"kind": "vehicle", "model": "雅阁", "plate": "沪A12345"},
    "visits.record": {"kind": "store", "purpose": "看车"},
    "membership.redeem": {"points": 1, "reason": "礼品"},
    "membership.adjust": {"points": 5, "reason": "补录"},
    "privacy.record_consent": {"channel": "sms", "granted": True, "source": "门店纸质表"},
    "privacy.erase": None,
    "visits.correct": {"reason": "录错了", "notes": "改"},
    "visits.void": {"reason": "录错了"},
    "assets.patch": {"plate": "沪A54321"},
    "assets.transfer": {"to_customer_id": "6f1c1b9e-0000-4000-8000-000000000000"},
    "assets.void": {"reason": "录错了"},
    "assets.record_reading": {"odometer_km": 1000},
}
#: Any id for the other ids a write's path names (the merged customer is refused before they are looked at).
OTHER_ID = "6f1c1b9e-0000-4000-8000-000000000001"


@pytest.fixture
def merged_pair(client):
    """X of store sh01 merged into Y of store bj01 by a group manager: (X, Y, the merge's id)."""
    for store_id, name in (("sh01", "上海店"), ("bj01", "北京店")):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": name}).status_code == 201
    x, y = (client.post("/api/v1/customers", headers=GROUP_MANAGER,
                        json={"name": name, "phone": phone, "kind": "owner", "store_id": store}).get_json()
            for name, phone, store in (("张伟", "13800138000", "sh01"), ("张 伟", "13900139000", "bj01")))
    client.post(f"/api/v1/customers/{y['id']}/points/adjustments", headers=GROUP_MANAGER,
                json={"points": 100, "reason": "开卡"})
    merged = client.post("/api/v1/customers/merges", headers=GROUP_MANAGER,
                         json={"survivor_id": y["id"], "merged_id": x["id"]})
    assert merged.status_code == 201, merged.get_json()
    return x, y, merged.get_json()["merge_id"]


def write_routes(app) -> dict[str, str]:
    """{endpoint: method} of every write route that names one customer in its path."""
    return {rule.endpoint: method for rule in app.url_map.iter_rules() if "customer_id" in rule.arguments
            for method in rule.methods - {"GET", "HEAD", "OPTIONS"}}


def seen(client, customer_id) -> dict:
    """Everything a group manager sees of one customer."""
    path = f"/api/v1/customers/{customer_id}"
    return {"customer": client.get(path, headers=GROUP_MANAGER).get_json(),
            **{part: client.get(f"{path}/{part}", headers=GROUP_MANAGER).get_json()
               for part in ("assets", "visits", "history", "points", "consents")}}


def test_a_store_agent_cannot_read_another_stores_survivor_through_their_merged_id(client, merged_pair):
    x, y, _ = merged_pair
    assert client.get(f"/api/v1/customers/{x['id']}", headers=SH_AGENT).status_code == 404
    assert client.get(f"/api/v1/customers/{y['id']}", headers=SH_AGENT).status_code == 404
    for part in ("visits", "assets", "history", "points", "duplicates"):
        assert client.get(f"/api/v1/customers/{x['id']}/{part}", headers=SH_AGENT).status_code == 404, part
    served = client.get(f"/api/v1/customers/{x['id']}", headers=BJ_AGENT)
    assert served.status_code == 200 and served.get_json()["id"] == y["id"]
    assert client.get(f"/api/v1/customers/{x['id']}", headers=GROUP_MANAGER).get_json()["id"] == y["id"]


def test_every_write_route_names_customers_the_test_knows(app):
    assert set(write_routes(app)) == set(WRITES)


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_a_write_to_a_merged_id_is_refused_naming_the_survivor_and_changes_nothing(app, client, merged_pair,
                                                                                 endpoint):
    x, y, _ = merged_pair
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    path = rule.rule.replace("<uuid:customer_id>", x["id"]).replace("<uuid:asset_id>", OTHER_ID).replace(
        "<uuid:visit_id>", OTHER_ID)
    before = seen(client, x["id"]), seen(client, y["id"])
    response = client.open(path, method=write_routes(app)[endpoint], json=WRITES[endpoint],
                           headers={**GROUP_MANAGER, "If-Match": '"2"'})
    assert response.status_code == 409, response.get_json()
    problem = response.get_json()
    assert problem["survivor_id"] == y["id"] and y["id"] in problem["detail"]
    assert (seen(client, x["id"]), seen(client, y["id"])) == before


def test_a_store_agent_writing_to_a_merged_id_learns_nothing_of_another_stores_survivor(client, merged_pair):
    x, y, _ = merged_pair
    response = client.post(f"/api/v1/customers/{x['id']}/visits", headers=SH_AGENT, json={"kind": "store"})
    assert response.status_code == 404 and y["id"] not in response.get_data(as_text=True)
    refused = client.post(f"/api/v1/customers/{x['id']}/visits", headers=BJ_AGENT, json={"kind": "store"})
    assert refused.status_code == 409 and refused.get_json()["survivor_id"] == y["id"]


def test_a_chain_of_merges_names_the_last_survivor(client, merged_pair):
    x, y, _ = merged_pair
    z = client.post("/api/v1/customers", headers=GROUP_MANAGER,
                    json={"name": "张伟", "phone": "13700137000", "kind": "owner", "store_id": "sh01"}).get_json()
    assert client.post("/api/v1/customers/merges", headers=GROUP_MANAGER,
                       json={"survivor_id": z["id"], "merged_id": y["id"]}).status_code == 201
    assert client.get(f"/api/v1/customers/{x['id']}", headers=SH_AGENT).get_json()["id"] == z["id"]
    assert client.get(f"/api/v1/customers/{x['id']}", headers=BJ_AGENT).status_code == 404
    response = client.post(f"/api/v1/customers/{x['id']}/visits", headers=SH_AGENT, json={"kind": "store"})
    assert response.status_code == 409 and response.get_json()["survivor_id"] == z["id"]


def test_after_an_undo_the_merged_id_is_its_own_stores_record_again(client, merged_pair):
    x, _, merge_id = merged_pair
    assert client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=GROUP_MANAGER).status_code == 200
    assert client.get(f"/api/v1/customers/{x['id']}", headers=SH_AGENT).get_json()["id"] == x["id"]
    visit = client.post(f"/api/v1/customers/{x['id']}/visits", headers=SH_AGENT, json={"kind": "store"})
    assert visit.status_code == 201
    assert client.get(f"/api/v1/customers/{x['id']}/visits", headers=SH_AGENT).get_json()["total"] == 1


@pytest.mark.parametrize("write", [
    lambda sessions, x: record_visit(sessions, x, {"kind": "store"}, "li.si"),
    lambda sessions, x: register_asset(sessions, x, {"kind": "other", "description": "会员卡"}, "li.si"),
])
def test_a_write_that_finds_the_record_merged_under_its_lock_is_refused_too(app, merged_pair, write):
    x, y, _ = merged_pair
    with pytest.raises(Conflict) as refused:  # merged after the check before the view: the use case refuses
        write(service_context(app).sessions, x["id"])
    assert refused.value.details["survivor_id"] == y["id"]
