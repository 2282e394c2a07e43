"""Grading and lists: key customers, the blacklist with its reason, credit limits, and reassigning a
departing consultant's customers balanced by count, with history kept."""
from __future__ import annotations

from collections import Counter

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "zhao.jl")


def patch(client, customer, headers, **fields):
    version = {"If-Match": f'"{customer["version"]}"'}
    return client.patch(f"/api/v1/customers/{customer['id']}", headers={**headers, **version}, json=fields)


def test_only_managers_flag_key_customers_blacklist_or_set_credit(client, new_customer):
    customer = new_customer()
    for fields in ({"key_customer": True}, {"blacklisted": True, "blacklist_reason": "恶意投诉"},
                   {"credit_limit": "50000.00"}):
        refused = patch(client, customer, AGENT, **fields)
        assert refused.status_code == 403 and next(iter(fields)) in refused.get_json()["detail"]
    assert client.post("/api/v1/customers", headers=AGENT, json={
        "name": "x", "phone": "13811112222", "kind": "prospect", "key_customer": True}).status_code == 403
    flagged = patch(client, customer, MANAGER, key_customer=True, credit_limit="50000.00")
    assert flagged.status_code == 200
    assert (flagged.get_json()["key_customer"], flagged.get_json()["credit_limit"]) == (True, "50000.00")


def test_a_blacklisting_needs_a_reason_and_lifting_it_drops_the_reason(client, new_customer, events):
    customer = new_customer()
    missing = patch(client, customer, MANAGER, blacklisted=True)
    assert missing.status_code == 422 and "blacklist_reason" in missing.get_json()["errors"]
    listed = patch(client, customer, MANAGER, blacklisted=True, blacklist_reason="拖欠维修款").get_json()
    assert (listed["blacklisted"], listed["blacklist_reason"]) == (True, "拖欠维修款")
    update = [event for event in events() if event.type == "customer.updated.v1"][-1].data
    assert update["changes"]["blacklisted"] == [False, True] and update["blacklist_reason"] == "拖欠维修款"
    lifted = patch(client, listed, MANAGER, blacklisted=False).get_json()
    assert (lifted["blacklisted"], lifted["blacklist_reason"]) == (False, None)
    history = client.get(f"/api/v1/customers/{customer['id']}/history", headers=AGENT).get_json()["items"]
    assert history[0]["changes"]["blacklist_reason"] == ["拖欠维修款", None]


def test_a_negative_credit_limit_is_422(client, new_customer):
    response = patch(client, new_customer(), MANAGER, credit_limit="-1")
    assert response.status_code == 422 and "credit_limit" in response.get_json()["errors"]


def test_a_departing_consultants_customers_go_to_others_balanced_by_count(client, new_customer, events):
    mine = [new_customer(owner="leaving") for _ in range(7)]
    new_customer(owner="a")  # a and b already have two customers each, c none
    new_customer(owner="a")
    new_customer(owner="b")
    deputy_of = new_customer(owner="b", deputy_owner="leaving")
    preview = client.post("/api/v1/customers/reassignments", headers=MANAGER,
                          json={"from_owner": "leaving", "to_owners": ["a", "b", "c"], "dry_run": True}).get_json()
    assert preview["dry_run"] and preview["owners"] == {"a": 2, "b": 2, "c": 3}
    assert len(preview["assignments"]) == 8 and not [e for e in events() if e.type == "customer.updated.v1"]
    assert client.get(f"/api/v1/customers/{mine[0]['id']}", headers=AGENT).get_json()["owner"] == "leaving"
    response = client.post("/api/v1/customers/reassignments", headers=MANAGER,
                           json={"from_owner": "leaving", "to_owners": ["a", "b", "c"]})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["customers"] == 8
    assert result["owners"] == {"a": 2, "b": 2, "c": 3}  # each ends with 4, 4 and 3 customers
    owners = Counter(client.get(f"/api/v1/customers/{c['id']}", headers=AGENT).get_json()["owner"] for c in mine)
    assert owners == Counter({"c": 3, "b": 2, "a": 2})
    deputy = client.get(f"/api/v1/customers/{deputy_of['id']}", headers=AGENT).get_json()
    assert deputy["owner"] == "b" and deputy["deputy_owner"] not in ("leaving", "b", None)
    assert result["deputies"][deputy["deputy_owner"]] == 1
    history = client.get(f"/api/v1/customers/{mine[0]['id']}/history", headers=AGENT).get_json()["items"]
    assert history[0]["action"] == "reassigned" and history[0]["changes"]["owner"][0] == "leaving"
    assert history[0]["actor"] == "zhao.jl" and history[-1]["action"] == "created"
    assert result["assignments"] == preview["assignments"]  # the plan shown is the plan done
    updates = [event for event in events() if event.type == "customer.updated.v1"]
    assert len(updates) == 8 and all("owner" in e.data or "deputy_owner" in e.data for e in updates)
    again = client.post("/api/v1/customers/reassignments", headers=MANAGER,
                        json={"from_owner": "leaving", "to_owners": ["a"]}).get_json()
    assert again["customers"] == 0


def test_reassignment_rules(client, new_customer):
    new_customer(owner="leaving")
    path = "/api/v1/customers/reassignments"
    assert client.post(path, headers=AGENT, json={"from_owner": "leaving", "to_owners": ["a"]}).status_code == 403
    for body, field in (({"from_owner": "leaving", "to_owners": []}, "to_owners"),
                        ({"from_owner": "leaving", "to_owners": ["leaving"]}, "to_owners"),
                        ({"from_owner": "leaving", "to_owners": ["a", "a"]}, "to_owners"),
                        ({"to_owners": ["a"]}, "from_owner")):
        response = client.post(path, headers=MANAGER, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    assert client.get("/api/v1/customers?owner=leaving", headers=AGENT).get_json()["total"] == 1


def test_key_customers_blacklisted_ones_and_tiers_can_be_listed(client, new_customer):
    key = new_customer(name="要客")
    listed = new_customer(name="黑名单")
    new_customer(name="普通")
    patch(client, key, MANAGER, key_customer=True)
    patch(client, listed, MANAGER, blacklisted=True, blacklist_reason="欺诈")

    def names(query):
        response = client.get(f"/api/v1/customers?{query}", headers=AGENT)
        assert response.status_code == 200, response.get_json()
        return sorted(item["name"] for item in response.get_json()["items"])

    assert names("key_customer=true") == ["要客"]
    assert names("blacklisted=true") == ["黑名单"]
    assert names("blacklisted=false") == ["普通", "要客"]
    assert names("tier=regular&intent_grade=A") == []
    assert len(names("tier=regular")) == 3
    assert client.get("/api/v1/customers?tier=platinum", headers=AGENT).status_code == 422
