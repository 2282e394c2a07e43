"""One 422 names every bad field: the schema's refusals and the domain's (which run after it) together."""
from __future__ import annotations

import pytest
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "chen.jie")


@pytest.mark.parametrize("body,fields", [
    ({"name": "王芳", "phone": "12345", "kind": "martian"}, {"phone", "kind"}),
    ({"name": " ", "phone": "13800138000", "phones": ["1", "13900139000"], "kind": "prospect"}, {"name", "phones.0"}),
    ({"name": "王芳", "phone": "12345", "kind": "owner", "intent_grade": "H", "email": "nope"},
     {"phone", "intent_grade", "email"}),
    ({"name": "王芳", "phone": "13800138000", "kind": "owner", "stage": "lead", "tags": [""]}, {"stage", "tags.0"}),
    ({"name": "王芳", "phone": "12345", "kind": "prospect", "owner": "li.si", "deputy_owner": "li.si",
      "gender": "robot"}, {"phone", "deputy_owner", "gender"}),
])
def test_a_new_customer_with_several_bad_fields_is_one_422_naming_them_all(client, events, body, fields):
    response = client.post("/api/v1/customers", json=body, headers=MANAGER)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert client.get("/api/v1/customers", headers=WRITER).get_json()["total"] == 0 and events() == []


def test_the_domains_rules_name_every_field_they_refuse_at_once(client, events):
    body = {"name": "王芳", "phone": "12345", "kind": "owner", "intent_grade": "H", "blacklisted": True}
    response = client.post("/api/v1/customers", json=body, headers=MANAGER)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"phone", "intent_grade", "blacklist_reason"}
    assert events() == []


@pytest.mark.parametrize("body,fields", [
    ({"phone": "12345", "kind": "martian"}, {"phone", "kind"}),
    ({"phones": ["13900139000", "2"], "email": "nope"}, {"phones.1", "email"}),
])
def test_an_edit_with_several_bad_fields_is_one_422_naming_them_all(client, new_customer, body, fields):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}"
    response = client.patch(path, json=body, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert client.get(path, headers=WRITER).get_json() == customer


def test_an_edit_the_schema_accepts_is_refused_for_every_rule_it_breaks(client, new_customer):
    customer = new_customer(kind="owner")
    path = f"/api/v1/customers/{customer['id']}"
    response = client.patch(path, json={"phone": "12345", "kind": "prospect", "deputy_owner": customer["owner"]},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"phone", "kind"}


@pytest.mark.parametrize("part,body,fields", [
    ("visits", {"kind": "store", "channel": "sms", "staff": "x" * 101}, {"channel", "staff"}),
    ("visits", {"kind": "callback", "satisfaction": "meh", "amount": -1}, {"channel", "satisfaction", "amount"}),
    ("assets", {"kind": "other", "plate": "沪A12345", "model": "x" * 201}, {"description", "plate", "model"}),
    ("assets", {"kind": "vehicle", "vin": "NOT-A-VIN", "odometer_km": -5}, {"model", "vin", "odometer_km"}),
])
def test_a_visit_or_asset_with_several_bad_fields_is_one_422_naming_them_all(client, new_customer, part, body,
                                                                            fields):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/{part}"
    response = client.post(path, json=body, headers=WRITER)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert client.get(path, headers=WRITER).get_json()["total"] == 0
