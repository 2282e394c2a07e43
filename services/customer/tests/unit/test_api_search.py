"""Listing and searching customers."""
from datetime import date, timedelta

import pytest
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


@pytest.fixture
def archive(client, new_customer):
    """Three customers: two with cars, different owners, tags, kinds and stages."""
    zhang = new_customer(name="张伟", phone="13800138000", kind="owner", owner="li.si", tags=["VIP"])
    wang = new_customer(name="王芳", phone="13912345678", phones=["021 6234 8000"], kind="prospect",
                        stage="lead", owner="zhao.liu")
    li = new_customer(name="李张明", phone="13700001111", kind="owner", owner="li.si", tags=["VIP", "车队"])
    client.post(f"/api/v1/customers/{zhang['id']}/assets", headers=WRITER,
                json={"kind": "vehicle", "model": "雅阁", "plate": "粤B·12345", "vin": "LSVAU2180N2183294"})
    client.post(f"/api/v1/customers/{li['id']}/assets", headers=WRITER,
                json={"kind": "vehicle", "model": "思域", "plate": "京A88888", "vin": "LFV2A21K8E3000001"})
    return {"zhang": zhang["id"], "wang": wang["id"], "li": li["id"]}


def ids(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/customers?{query}", headers=READER)
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_list_everyone_newest_first_with_the_envelope(client, archive):
    body = client.get("/api/v1/customers", headers=READER).get_json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 50)
    assert [item["id"] for item in body["items"]] == [archive["li"], archive["wang"], archive["zhang"]]


def test_pagination(client, archive):
    body = client.get("/api/v1/customers?page=2&page_size=2", headers=READER).get_json()
    assert body["total"] == 3 and [item["id"] for item in body["items"]] == [archive["zhang"]]


def test_name_substring(client, archive):
    assert ids(client, "name=张") == {archive["zhang"], archive["li"]}
    assert ids(client, "name=王芳") == {archive["wang"]}


def test_phone_full_number_or_suffix_of_any_of_the_numbers(client, archive):
    assert ids(client, "phone=138 0013 8000") == {archive["zhang"]}
    assert ids(client, "phone=%2B8613800138000") == {archive["zhang"]}
    assert ids(client, "phone=8000") == {archive["zhang"], archive["wang"]}  # 王芳's landline ends in 8000
    assert ids(client, "phone=5678") == {archive["wang"]}
    assert ids(client, "phone=99999") == set()


def test_plate_and_vin_ignore_case_and_separators(client, archive):
    assert ids(client, "plate=粤b12345") == {archive["zhang"]}
    assert ids(client, "plate=京A-88888") == {archive["li"]}
    assert ids(client, "vin=lsvau2180n2183294") == {archive["zhang"]}


def test_owner_tag_kind_stage(client, archive):
    assert ids(client, "owner=li.si") == {archive["zhang"], archive["li"]}
    assert ids(client, "tag=车队") == {archive["li"]}
    assert ids(client, "kind=prospect") == {archive["wang"]}
    assert ids(client, "stage=lead") == {archive["wang"]}
    assert ids(client, "owner=li.si&tag=VIP&name=明") == {archive["li"]}


def test_created_date_range_is_inclusive(client, archive):
    today = date.today().isoformat()
    assert len(ids(client, f"created_from={today}&created_to={today}")) == 3
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert ids(client, f"created_to={yesterday}") == set()


def test_q_matches_name_phone_suffix_plate_or_vin(client, archive):
    assert ids(client, "q=王") == {archive["wang"]}
    assert ids(client, "q=1111") == {archive["li"]}
    assert ids(client, "q=粤B 12345") == {archive["zhang"]}
    assert ids(client, "q=LFV2A21K8E3000001") == {archive["li"]}


@pytest.mark.parametrize("query,field", [
    ("page=0", "page"), ("page_size=201", "page_size"), ("page_size=abc", "page_size"),
    ("kind=vip", "kind"), ("stage=gold", "stage"), ("created_from=yesterday", "created_from"),
    ("phone=12", "phone"), ("phone=abcd", "phone"), ("vin=ABC", "vin"), ("q=", "q"), ("color=red", "color"),
])
def test_bad_filter_values_are_422s_naming_them(client, query, field):
    response = client.get(f"/api/v1/customers?{query}", headers=READER)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
