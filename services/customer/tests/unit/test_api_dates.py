"""Every date the customer API takes in a body is one a person could mean (1900-2199), or a 422 naming it."""
from __future__ import annotations

import pytest
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "chen.jie")
ADMIN = auth_headers("admin", "root")
RANGE = "between 1900-01-01 and 2199-12-31"


@pytest.mark.parametrize("part,body,field", [
    ("", {"name": "王芳", "phone": "13800138000", "kind": "owner", "birthday": "0001-01-01"}, "birthday"),
    ("assets", {"kind": "vehicle", "model": "雅阁", "delivered_on": "9999-12-31"}, "delivered_on"),
    ("assets", {"kind": "service_contract", "description": "保养套餐", "expires_on": "0001-01-01"}, "expires_on"),
    ("visits", {"kind": "store", "occurred_at": "0001-01-01T00:00:00+08:00"}, "occurred_at"),
    ("visits", {"kind": "store", "occurred_at": "9999-12-31T23:59:59-08:00"}, "occurred_at"),
    ("consents", {"channel": "sms", "granted": True, "source": "纸质表", "given_at": "0001-01-01T00:00:00+08:00"},
     "given_at"),
])
def test_a_far_date_in_a_body_is_a_422_naming_it_and_changes_nothing(client, new_customer, events, part, body,
                                                                      field):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/{part}" if part else "/api/v1/customers"
    before = len(events())
    response = client.post(path, json=body, headers=MANAGER)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert RANGE in response.get_json()["errors"][field][0]
    assert len(events()) == before


def test_points_expire_for_a_year_within_the_range_only(client):
    response = client.post("/api/v1/customers/points/expiry", headers=ADMIN, json={"year": 2999})
    assert response.status_code == 422 and "year" in response.get_json()["errors"]


def test_the_rules_a_date_had_still_hold_within_the_range(client, new_customer):
    customer = new_customer()
    old = client.post("/api/v1/customers", headers=MANAGER,
                      json={"name": "老王", "phone": "13900139000", "kind": "owner", "birthday": "1900-01-01"})
    assert old.status_code == 201 and old.get_json()["birthday"] == "1900-01-01"
    unborn = client.post("/api/v1/customers", headers=MANAGER,
                         json={"name": "小王", "phone": "13700137000", "kind": "owner", "birthday": "2199-01-01"})
    assert unborn.status_code == 422 and unborn.get_json()["errors"]["birthday"] == ["Must not be in the future."]
    naive = client.post(f"/api/v1/customers/{customer['id']}/consents", headers=MANAGER,
                        json={"channel": "sms", "granted": True, "source": "纸质表", "given_at": "2024-01-01T10:00:00"})
    assert naive.status_code == 422 and "given_at" in naive.get_json()["errors"]
    visit = client.post(f"/api/v1/customers/{customer['id']}/visits", headers=MANAGER,
                        json={"kind": "store", "occurred_at": "2024-01-01T10:00:00"})
    assert visit.status_code == 201 and visit.get_json()["occurred_at"].startswith("2024-01-01T10:00:00")
