"""Finding customers the way people type: pinyin, initials, any part of the name, phone endings; best first."""
import pytest
from customer.domain.pinyin import search_keys, syllables
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


@pytest.fixture
def people(client, new_customer):
    zhang_san = new_customer(name="张三", phone="13800138000")
    zhang_shan = new_customer(name="张山峰", phone="13912340000")
    li = new_customer(name="李张三", phone="13700008000")
    zeng = new_customer(name="曾小贤", phone="13600136000")
    david = new_customer(name="David Li", phone="13500135000")
    client.post(f"/api/v1/customers/{li['id']}/assets", headers=WRITER,
                json={"kind": "vehicle", "model": "思域", "plate": "京A·ZS888", "vin": "LFV2A21K8E3000001"})
    return {"zhang_san": zhang_san["id"], "zhang_shan": zhang_shan["id"], "li": li["id"], "zeng": zeng["id"],
            "david": david["id"]}


def found(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/customers?{query}", headers=READER)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_pinyin_whole_or_spaced_finds_the_name_first_then_names_containing_it(client, people):
    assert found(client, "q=zhangsan") == [people["zhang_san"], people["li"]]
    assert found(client, "q=Zhang San") == [people["zhang_san"], people["li"]]
    assert found(client, "name=zhangsan") == [people["zhang_san"], people["li"]]


def test_initials(client, people):
    # exactly the initials, then initials starting so (张山峰), then containing them (李张三)
    assert found(client, "q=zs") == [people["zhang_san"], people["zhang_shan"], people["li"]]
    assert found(client, "q=zsf") == [people["zhang_shan"]]
    assert found(client, "q=lzs") == [people["li"]]


def test_surnames_read_as_surnames(client, people):
    assert found(client, "q=zengxiaoxian") == [people["zeng"]]
    assert found(client, "q=zxx") == [people["zeng"]]


def test_an_exact_name_ranks_before_a_prefix_before_a_part(client, people):
    assert found(client, "q=张三") == [people["zhang_san"], people["li"]]
    assert found(client, "q=张") == [people["zhang_shan"], people["zhang_san"], people["li"]]  # ties: newest first
    assert found(client, "q=三") == [people["li"], people["zhang_san"]]  # both only contain it: newest first


def test_latin_names_ignore_case_and_spaces(client, people):
    assert found(client, "q=davidli") == [people["david"]]
    assert found(client, "q=DAVID") == [people["david"]]
    assert found(client, "name=id l") == [people["david"]]


def test_phone_suffix_plate_and_vin_in_the_one_box(client, people):
    assert found(client, "q=8000") == [people["li"], people["zhang_san"]]
    assert found(client, "q=138 0013 8000") == [people["zhang_san"]]
    assert found(client, "q=京azs888") == [people["li"]]
    assert found(client, "q=lfv2a21k8e3000001") == [people["li"]]


def test_a_whole_phone_number_ranks_before_numbers_ending_like_it(client, new_customer):
    exact = new_customer(name="王芳", phone="13800138000")
    ending = new_customer(name="王芳芳", phone="13900138000")  # also ends in 00138000, and is newer
    assert found(client, "q=13800138000") == [exact["id"]]
    assert found(client, "q=00138000") == [ending["id"], exact["id"]]


def test_the_last_digits_of_a_mobile_find_it_even_when_they_read_as_a_landline(client, new_customer):
    mobile = new_customer(name="刘晓东", phone="13924964272")
    assert found(client, "q=24964272") == [mobile["id"]]  # also a whole number: +86 24 964272
    assert found(client, "phone=24964272") == [mobile["id"]]
    assert found(client, "q=+86 139 2496 4272") == found(client, "q=0086 13924964272") == [mobile["id"]]


def test_a_rename_is_found_by_the_new_name_only(client, people):
    client.patch(f"/api/v1/customers/{people['david']}", json={"name": "王大卫"},
                 headers={**WRITER, "If-Match": '"1"'})
    assert found(client, "q=davidli") == []
    assert found(client, "q=wangdawei") == [people["david"]]


def test_keys_cover_every_part_of_a_name():
    keys = {(key.kind, key.key) for key in search_keys("张三丰")}
    assert {(0, "张三丰"), (0, "三丰"), (0, "丰"), (1, "zhangsanfeng"), (1, "sanfeng"), (2, "zsf"), (2, "sf")} <= keys
    assert syllables("单田芳") == ["shan", "tian", "fang"]
    assert search_keys("") == []


def test_a_caller_tied_to_stores_finds_only_their_stores_customers(client, new_customer):
    admin = auth_headers("admin", "root")
    for store in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=admin, json={"id": store, "name": store}).status_code == 201
    shenzhen = new_customer(name="张三", phone="13800138000", store_id="sz01")
    new_customer(name="张三丰", phone="13900139000", store_id="gz01")
    limited = auth_headers("viewer", "wang.wu", stores=("sz01",))
    response = client.get("/api/v1/customers?q=zhangsan", headers=limited)
    assert [item["id"] for item in response.get_json()["items"]] == [shenzhen["id"]]
    assert len(found(client, "q=zhangsan")) == 2
    guangzhou = auth_headers("viewer", "zhou.gz", stores=("gz01",))
    for query in ("q=zs", "q=张", "q=8000", "q=13800138000"):  # by the keys, a phone's end, a whole phone
        assert [item["id"] for item in client.get(f"/api/v1/customers?{query}", headers=limited)
                .get_json()["items"]] == [shenzhen["id"]], query
    # the customer moves to Guangzhou: found there, no more in Shenzhen
    moved = client.patch(f"/api/v1/customers/{shenzhen['id']}", json={"store_id": "gz01"},
                         headers={**admin, "If-Match": '"1"'})
    assert moved.status_code == 200, moved.get_json()
    assert client.get("/api/v1/customers?q=zs", headers=limited).get_json()["items"] == []
    assert shenzhen["id"] in [item["id"] for item in client.get("/api/v1/customers?q=zs", headers=guangzhou)
                              .get_json()["items"]]
