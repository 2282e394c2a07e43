"""Likely duplicates, with a score and the evidence: one customer's, and the archive's pairs."""
import pytest
from customer.adapters.tables import customers
from customer.domain.duplicates import likeness
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import update

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
SHENZHEN = {"province": "广东省", "city": "深圳市", "district": "南山区"}


def share_email_from_before(app, customer_id: str, email: str) -> None:
    """Give the customer an address another already has, as records kept before addresses were unique are."""
    with service_context(app).engine.begin() as connection:
        connection.execute(update(customers).where(customers.c.id == customer_id).values(email=email))


@pytest.fixture
def archive(app, client, new_customer):
    zhang = new_customer(name="张伟", phone="13800138000", email="Zhang.Wei@example.cn", region=SHENZHEN,
                         birthday="1985-03-02")
    same_email = new_customer(name="张 伟", phone="13900139000")
    share_email_from_before(app, same_email["id"], "ZHANG.WEI@example.cn")
    homophone = new_customer(name="章伟", phone="13700137000", region=SHENZHEN, birthday="1985-03-02")
    same_car = new_customer(name="王芳", phone="13600136000")
    other_car = new_customer(name="王小芳", phone="13500135000")
    stranger = new_customer(name="李娜", phone="13400134000", region=SHENZHEN)
    for owner, vin in ((same_car, "LSVAU2180N2183294"), (other_car, "LFV2A21K8E3000001")):
        client.post(f"/api/v1/customers/{owner['id']}/assets", headers=WRITER,
                    json={"kind": "vehicle", "model": "雅阁", "plate": "粤B·12345", "vin": vin})
    return {name: customer["id"] for name, customer in (("zhang", zhang), ("same_email", same_email),
                                                        ("homophone", homophone), ("same_car", same_car),
                                                        ("other_car", other_car), ("stranger", stranger))}


def test_one_customers_duplicates_most_likely_first_with_reasons(client, archive):
    body = client.get(f"/api/v1/customers/{archive['zhang']}/duplicates?min_score=0.3", headers=READER).get_json()
    found = [(item["customer"]["id"], item["reasons"]) for item in body["items"]]
    assert found == [(archive["same_email"], ["same_email", "same_name"]),
                     (archive["homophone"], ["same_pinyin_same_region", "same_birthday"])]
    assert body["items"][0]["score"] > body["items"][1]["score"] > 0.5


def test_the_archives_likely_pairs(client, archive):
    body = client.get("/api/v1/customers/duplicates?min_score=0.5", headers=READER).get_json()
    pairs = [({c["id"] for c in item["customers"]}, item["reasons"]) for item in body["items"]]
    assert pairs == [({archive["zhang"], archive["same_email"]}, ["same_email", "same_name"]),
                     ({archive["zhang"], archive["homophone"]}, ["same_pinyin_same_region", "same_birthday"]),
                     ({archive["same_car"], archive["other_car"]}, ["same_vehicle_plate"])]
    assert body["total"] == 3
    assert client.get("/api/v1/customers/duplicates?min_score=0.95", headers=READER).get_json()["total"] == 0


def test_a_merged_customer_is_no_longer_a_duplicate(client, archive):
    manager = auth_headers("manager", "chen.jie")
    client.post("/api/v1/customers/merges", headers=manager,
                json={"survivor_id": archive["zhang"], "merged_id": archive["same_email"]})
    body = client.get(f"/api/v1/customers/{archive['zhang']}/duplicates?min_score=0.3", headers=READER).get_json()
    assert [item["customer"]["id"] for item in body["items"]] == [archive["homophone"]]


def test_bad_scores_and_unknown_customers(client, archive):
    assert client.get("/api/v1/customers/duplicates?min_score=2", headers=READER).status_code == 422
    assert client.get("/api/v1/customers/6f1c1b9e-0000-4000-8000-000000000000/duplicates",
                      headers=READER).status_code == 404


def test_evidence_only_raises_a_score():
    base = {"name": "张伟", "email": None, "region": None, "birthday": None, "employer": None}
    alone = likeness(base, {**base, "name": "张 伟"})
    more = likeness({**base, "birthday": "1985-03-02"}, {**base, "name": "张 伟", "birthday": "1985-03-02"})
    assert 0 < alone.score < more.score < 1 and alone.reasons == ("same_name",)
    assert likeness(base, {**base, "name": "李娜"}).score == 0


def test_a_caller_of_another_store_cannot_merge_or_see_the_merge(client, new_customer):
    admin = auth_headers("admin", "root")
    for store in ("sz01", "gz01"):
        client.post("/api/v1/stores", headers=admin, json={"id": store, "name": store})
    first = new_customer(name="张伟", phone="13800138000", store_id="sz01")
    second = new_customer(name="张伟", phone="13900139000", store_id="gz01")
    limited = auth_headers("manager", "zhou.gz", stores=("gz01",))
    response = client.post("/api/v1/customers/merges", headers=limited,
                           json={"survivor_id": second["id"], "merged_id": first["id"]})
    assert response.status_code == 404
    merged = client.post("/api/v1/customers/merges", headers=auth_headers("manager", "chen.jie"),
                         json={"survivor_id": second["id"], "merged_id": first["id"]}).get_json()
    sz_manager = auth_headers("manager", "wu.sz", stores=("sz01",))
    assert client.get(f"/api/v1/customers/merges/{merged['merge_id']}", headers=sz_manager).status_code == 404
