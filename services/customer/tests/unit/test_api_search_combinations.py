"""Every combination of the search's filters answers, and finds exactly the customers each filter finds alone."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servicekit.testing import auth_headers

ADMIN = auth_headers("admin", "root")
MANAGER = auth_headers("manager", "zhao.jl")
TODAY = datetime.now(UTC).date()

#: For each filter of GET /customers, values that find some of the archive below (and a date range that
#: holds whichever two are combined: created_from is never after created_to).
VALUES: dict[str, list[str]] = {
    "name": ["张", "zhang", "王芳"],
    "phone": ["8000", "13800138000"],
    "plate": ["粤B12345", "京A88888"],
    "vin": ["LSVAU2180N2183294"],
    "owner": ["li.si", "zhao.liu"],
    "tag": ["VIP", "车队"],
    "kind": ["owner", "prospect"],
    "stage": ["lead", "owner"],
    "created_from": [str(TODAY - timedelta(days=1)), str(TODAY)],
    "created_to": [str(TODAY), str(TODAY + timedelta(days=1))],
    "q": ["张", "8000", "粤B12345", "wf"],
    "store_id": ["sz01", "gz01"],
    "tier": ["regular", "silver"],
    "intent_grade": ["H"],
    "key_customer": ["true", "false"],
    "blacklisted": ["false", "true"],
}


@pytest.fixture
def archive(client):
    """Five customers in two stores, with cars, phones, owners, tags, grades and flags that differ."""
    for store_id in ("sz01", "gz01"):
        client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id})
    people = [
        {"name": "张伟", "phone": "13800138000", "kind": "owner", "owner": "li.si", "tags": ["VIP"],
         "store_id": "sz01", "key_customer": True},
        {"name": "王芳", "phone": "13912345678", "phones": ["021 6234 8000"], "kind": "prospect", "stage": "lead",
         "owner": "zhao.liu", "intent_grade": "H", "store_id": "gz01"},
        {"name": "李张明", "phone": "13700001111", "kind": "owner", "owner": "li.si", "tags": ["VIP", "车队"],
         "store_id": "sz01", "blacklisted": True, "blacklist_reason": "拖欠"},
        {"name": "张芳", "phone": "13600008000", "kind": "prospect", "owner": "zhao.liu", "tags": ["车队"]},
        {"name": "Zhang Wei", "phone": "13500135000", "kind": "prospect", "stage": "lead", "store_id": "gz01"},
    ]
    ids = [client.post("/api/v1/customers", headers=MANAGER, json=person).get_json()["id"] for person in people]
    for owner, plate, vin in ((ids[0], "粤B·12345", "LSVAU2180N2183294"), (ids[2], "京A88888", "LFV2A21K8E3000001")):
        client.post(f"/api/v1/customers/{owner}/assets", headers=MANAGER,
                    json={"kind": "vehicle", "model": "雅阁", "plate": plate, "vin": vin})
    client.post(f"/api/v1/customers/{ids[2]}/points/adjustments", headers=MANAGER,
                json={"points": 1500, "reason": "老客户"})
    return ids


def found(client, filters: dict[str, str]) -> set[str]:
    response = client.get(f"/api/v1/customers?{urlencode({**filters, 'page_size': 200})}", headers=MANAGER)
    assert response.status_code == 200, (filters, response.get_json())
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def check_combination(client, filters: dict[str, str]) -> None:
    alone = [found(client, {name: value}) for name, value in filters.items()]
    assert found(client, filters) == set.intersection(*alone), filters


@pytest.mark.parametrize("first,second", list(itertools.combinations(VALUES, 2)))
def test_every_two_filters_find_the_customers_both_find(client, archive, first, second):
    # `q` matches names, phones, plates and VINs each its own way: each of its values meets the other filter
    for q in VALUES["q"] if "q" in (first, second) else [None]:
        filters = {first: VALUES[first][0], second: VALUES[second][0]}
        check_combination(client, {**filters, "q": q} if q else filters)


def test_the_filters_alone_find_someone_so_the_combinations_mean_something(client, archive):
    for name, values in VALUES.items():
        assert any(found(client, {name: value}) for value in values), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(VALUES)), st.just(None), min_size=1, max_size=len(VALUES))
       .flatmap(lambda chosen: st.fixed_dictionaries({name: st.sampled_from(VALUES[name]) for name in chosen})))
def test_any_filters_together_find_the_customers_each_finds_alone(client, archive, filters):
    check_combination(client, filters)


@pytest.mark.parametrize("query,field", [
    ("created_to=9999-12-31", "created_to"),
    ("created_from=0001-01-01", "created_from"),
    ("created_from=2200-01-01", "created_from"),
    ("created_to=1899-12-31&name=张", "created_to"),
])
def test_a_date_outside_the_range_people_mean_is_a_422_naming_it(client, archive, query, field):
    for path in ("/api/v1/customers", "/api/v1/customers/export"):
        response = client.get(f"{path}?{query}", headers=MANAGER)
        assert response.status_code == 422, (path, response.get_data(as_text=True)[:300])
        assert "1900-01-01 and 2199-12-31" in response.get_json()["errors"][field][0]
    assert found(client, {"created_from": "1900-01-01", "created_to": "2199-12-31"}) == set(archive)
