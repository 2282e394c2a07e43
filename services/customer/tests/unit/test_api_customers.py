"""Creating, reading and editing customers over HTTP."""
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")

FULL = {
    "name": "欧阳娜娜", "phone": "138 0013 8000", "kind": "prospect", "stage": "lead", "gender": "female",
    "birthday": "1990-05-01", "phones": ["010 6552 9988"], "email": "nana@example.cn",
    "address": "深圳市南山区科技园路1号", "region": {"province": "广东省", "city": "深圳市", "district": "南山区"},
    "industry": "互联网", "employer": "腾讯", "job_title": "产品经理", "source": "朋友介绍",
    "owner": "li.si", "deputy_owner": "zhao.liu", "tags": ["VIP", "重点客户"], "notes": "想要白色的车，周末有空",
    "intent_grade": "H", "wanted_model": "雅阁 2024 款",
    "consent": {"sms": True, "phone": True, "email": False, "wechat": True},
    "quiet_hours": {"start": "21:00", "end": "08:00"}, "external_id": "DMS-0001",
    "wechat_openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
}


def test_create_returns_201_with_id_and_the_whole_customer_in_chinese(client):
    response = client.post("/api/v1/customers", json=FULL, headers=WRITER)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["id"]) == 36 and body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert body["phone"] == "+8613800138000" and body["phones"] == ["+861065529988"]
    for field in ("name", "region", "notes", "tags", "address", "source", "wanted_model", "quiet_hours",
                  "consent", "birthday", "owner", "intent_grade", "stage", "wechat_openid"):
        assert body[field] == FULL[field], field
    # unescaped UTF-8 on the wire, and the same again when read back
    assert "欧阳娜娜".encode() in response.data
    again = client.get(f"/api/v1/customers/{body['id']}", headers=READER).get_json()
    assert again == body


def test_stage_defaults_from_kind(new_customer):
    assert new_customer(kind="owner")["stage"] == "owner"
    assert new_customer(kind="prospect")["stage"] == "prospect"


def test_invalid_phone_is_a_422_naming_the_field_and_creates_nothing(client, events):
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "12345", "kind": "owner"},
                           headers=WRITER)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["phone"]
    assert client.get("/api/v1/customers", headers=READER).get_json()["total"] == 0
    assert events() == []


def test_bad_fields_are_422s_naming_each(client):
    body = {"name": " ", "phone": "13800138000", "kind": "vip", "email": "not-an-email",
            "quiet_hours": {"start": "25:00", "end": "08:00"}, "shoe_size": 42, "phones": ["13800138000", "1"]}
    response = client.post("/api/v1/customers", json=body, headers=WRITER)
    assert response.status_code == 422
    assert {"name", "kind", "email", "quiet_hours.start", "shoe_size"} <= set(response.get_json()["errors"])


def test_stage_that_does_not_fit_kind_and_intent_grade_on_owner_are_422s(client):
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "13800138000", "kind": "owner",
                                                      "stage": "lead"}, headers=WRITER)
    assert response.status_code == 422 and "stage" in response.get_json()["errors"]
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "13800138000", "kind": "owner",
                                                      "intent_grade": "H"}, headers=WRITER)
    assert response.status_code == 422 and "intent_grade" in response.get_json()["errors"]


def test_same_phone_on_a_second_customer_is_a_409_naming_the_first(client, new_customer, events):
    first = new_customer(phone="13800138000")
    before = len(events())
    response = client.post("/api/v1/customers", json={"name": "李四", "phone": "+86 138-0013-8000",
                                                      "kind": "owner"}, headers=WRITER)
    assert response.status_code == 409
    assert response.get_json()["existing_customer_id"] == first["id"]
    assert len(events()) == before


def test_an_extra_phone_taken_by_someone_else_is_a_409_too(client, new_customer):
    first = new_customer(phone="13800138000", phones=["13900139000"])
    response = client.post("/api/v1/customers", json={"name": "李四", "phone": "13700137000",
                                                      "phones": ["139 0013 9000"], "kind": "owner"}, headers=WRITER)
    assert response.status_code == 409 and response.get_json()["existing_customer_id"] == first["id"]


def test_unknown_and_malformed_ids_are_404s(client):
    assert client.get("/api/v1/customers/6f1c1b9e-0000-4000-8000-000000000000", headers=READER).status_code == 404
    assert client.get("/api/v1/customers/not-a-uuid", headers=READER).status_code == 404
    response = client.patch("/api/v1/customers/6f1c1b9e-0000-4000-8000-000000000000", json={"notes": "x"},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 404


def test_patch_with_if_match_returns_the_new_version_and_etag(client, new_customer):
    customer = new_customer()
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"notes": "周六来试驾", "tags": ["试驾"]},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["notes"] == "周六来试驾" and body["tags"] == ["试驾"]
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=READER).headers["ETag"] == '"2"'


def test_patch_with_version_in_the_body_works_too(client, new_customer):
    customer = new_customer()
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"version": 1, "owner": "li.si"},
                            headers=WRITER)
    assert response.status_code == 200 and response.get_json()["owner"] == "li.si"


def test_stale_version_is_a_409_naming_the_current_and_changes_nothing(client, new_customer, events):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}"
    client.patch(path, json={"notes": "一"}, headers={**WRITER, "If-Match": '"1"'})
    before = len(events())
    response = client.patch(path, json={"notes": "二"}, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 409 and response.get_json()["current_version"] == 2
    assert client.get(path, headers=READER).get_json()["notes"] == "一"
    assert len(events()) == before


def test_patch_without_a_version_is_a_428(client, new_customer):
    customer = new_customer()
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"notes": "x"}, headers=WRITER)
    assert response.status_code == 428 and response.mimetype == "application/problem+json"


def test_if_match_and_body_version_that_disagree_are_a_422(client, new_customer):
    customer = new_customer()
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"notes": "x", "version": 3},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]


def test_patch_refuses_clearing_required_fields_and_bad_phones(client, new_customer):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}"
    response = client.patch(path, json={"name": None}, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422 and "name" in response.get_json()["errors"]
    response = client.patch(path, json={"phone": "999"}, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422 and "phone" in response.get_json()["errors"]
    assert client.get(path, headers=READER).get_json()["version"] == 1


def test_patch_to_someone_elses_phone_is_a_409(client, new_customer):
    first, second = new_customer(phone="13800138000"), new_customer(phone="13700137000")
    response = client.patch(f"/api/v1/customers/{second['id']}", json={"phone": "13800138000"},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 409 and response.get_json()["existing_customer_id"] == first["id"]


def test_owner_cannot_be_made_a_prospect_again(client, new_customer):
    customer = new_customer(kind="owner")
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"kind": "prospect"},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 422 and "kind" in response.get_json()["errors"]


def test_patch_that_changes_nothing_keeps_the_version_and_emits_nothing(client, new_customer, events):
    customer = new_customer(notes="同样")
    before = len(events())
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"notes": "同样"},
                            headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert len(events()) == before


def test_without_credentials_401_and_with_a_read_only_role_403(client, new_customer):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get("/api/v1/customers", headers={"Authorization": "Bearer junk"}).status_code == 401
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "13800138000", "kind": "owner"},
                           headers=READER)
    assert response.status_code == 403
    assert client.get("/api/v1/customers", headers=READER).get_json()["total"] == 0
    customer = new_customer()
    response = client.patch(f"/api/v1/customers/{customer['id']}", json={"notes": "x"},
                            headers={**auth_headers("viewer"), "If-Match": '"1"'})
    assert response.status_code == 403
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json()["notes"] is None
