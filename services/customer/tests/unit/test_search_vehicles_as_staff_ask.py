"""Searching vehicles the way staff ask: the end of a plate without its province (B12345, 12345), the last six
characters of a VIN; in the `q` box and in the plate / vin filters, within the caller's stores."""
from __future__ import annotations

import pytest
from customer.domain.errors import InvalidFields
from customer.domain.search import build_filters, parse_q
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
ADMIN = auth_headers("admin", "root")
SZ_AGENT = auth_headers("agent", "zhou.yi", stores=("sz01",))


@pytest.fixture
def fleet(client, new_customer):
    zhang = new_customer(name="张伟", phone="13800138000", kind="owner")
    li = new_customer(name="李娜", phone="13700137000", kind="owner")
    wang = new_customer(name="王芳", phone="13600136000", kind="owner")
    for owner, plate, vin in ((zhang, "粤B·12345", "LSVAU2180N2183294"), (li, "京A·88888", "LFV2A21K8E3000001"),
                              (wang, "粤B·612345", "LFV2A21K8E3183294")):
        response = client.post(f"/api/v1/customers/{owner['id']}/assets", headers=WRITER,
                               json={"kind": "vehicle", "model": "雅阁", "plate": plate, "vin": vin})
        assert response.status_code == 201
    return {"zhang": zhang["id"], "li": li["id"], "wang": wang["id"]}


def found(client, query: str, headers=READER) -> list[str]:
    response = client.get(f"/api/v1/customers?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_the_end_of_a_plate_without_its_province_finds_the_car(client, fleet):
    assert set(found(client, "q=B12345")) == {fleet["zhang"]}
    assert set(found(client, "q=b-12345")) == {fleet["zhang"]}
    assert set(found(client, "q=88888")) == {fleet["li"]}
    assert set(found(client, "plate=B12345")) == {fleet["zhang"]}
    assert set(found(client, "plate=12345")) == {fleet["zhang"], fleet["wang"]}  # 粤B612345 ends with it too
    assert set(found(client, "plate=粤B12345")) == {fleet["zhang"]}
    assert found(client, "plate=B1234") == []  # an end, not any part


def test_the_whole_plate_ranks_before_a_plate_that_only_ends_with_it(client, fleet):
    assert found(client, "q=B612345") == [fleet["wang"]]
    assert found(client, "q=12345")[:2] in ([fleet["wang"], fleet["zhang"]], [fleet["zhang"], fleet["wang"]])


def test_the_last_six_characters_of_a_vin_find_the_car(client, fleet):
    assert set(found(client, "q=183294")) == {fleet["zhang"], fleet["wang"]}
    assert set(found(client, "q=000001")) == {fleet["li"]}
    assert set(found(client, "vin=000001")) == {fleet["li"]}
    assert set(found(client, "vin=lsvau2180n2183294")) == {fleet["zhang"]}
    for neither in ("12345", "e3000001"):  # neither a whole VIN nor its last six characters
        bad = client.get(f"/api/v1/customers?vin={neither}", headers=READER)
        assert bad.status_code == 422 and "last 6" in bad.get_json()["errors"]["vin"][0]


def test_the_export_finds_the_same(client, fleet):
    text = client.get("/api/v1/customers/export?q=B12345", headers=READER).get_data().decode("utf-8-sig")
    assert fleet["zhang"] in text and fleet["li"] not in text


def test_a_plate_or_vin_of_another_store_is_not_found_by_a_store_agent(client):
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201
    ids = {}
    for store_id, phone, plate, vin in (("sz01", "13800138000", "粤B·12345", "LSVAU2180N2183294"),
                                        ("gz01", "13900139000", "粤A·12345", "LFV2A21K8E3183294")):
        customer = client.post("/api/v1/customers", headers=ADMIN, json={
            "name": "客户", "phone": phone, "kind": "owner", "store_id": store_id}).get_json()
        ids[store_id] = customer["id"]
        assert client.post(f"/api/v1/customers/{customer['id']}/assets", headers=ADMIN, json={
            "kind": "vehicle", "model": "雅阁", "plate": plate, "vin": vin}).status_code == 201
    for query in ("q=12345", "q=183294", "plate=12345", "vin=183294"):
        assert found(client, query, SZ_AGENT) == [ids["sz01"]], query
        assert set(found(client, query, ADMIN)) == set(ids.values()), query


def test_reading_the_terms():
    terms = parse_q("b 1234")
    assert (terms.plate_end, terms.vin_tail) == ("B1234", None)
    assert (parse_q("b-12345").plate_end, parse_q("b12345").vin_tail) == ("B12345", "B12345")  # either may be meant
    assert parse_q("183294").vin_tail == "183294" and parse_q("183294").plate_end == "183294"
    assert parse_q("张伟").plate_end is None and parse_q("zhang").plate_end is None  # no digit: a name
    assert parse_q("ioq123").vin_tail is None  # I, O and Q are never in a VIN
    assert build_filters(vin="000 001").vin_tail == "000001"
    assert build_filters(vin="LSVAU2180N2183294").vin == "LSVAU2180N2183294"
    with pytest.raises(InvalidFields):
        build_filters(vin="1234567")
