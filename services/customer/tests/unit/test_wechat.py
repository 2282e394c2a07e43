"""WeChat (微信): the customer's openid with the dealership's official account and their consent to WeChat
messages, set by the API and by an import, carried in the customer's events, exported, and erased."""
from __future__ import annotations

import csv
import io
import json
import time

import pytest
from customer.adapters.tables import customers
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import update

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "zhao.jl")
OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


def upload(client, content: str, **options) -> dict:
    data = {"file": (io.BytesIO(content.encode()), "customers.csv"), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/imports", data=data, headers=MANAGER,
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 20
    while (job := client.get(response.headers["Location"], headers=MANAGER).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_the_openid_and_wechat_consent_are_set_on_create_and_carried_by_customer_created(client, events):
    response = client.post("/api/v1/customers", headers=WRITER, json={
        "name": "王芳", "phone": "13912345678", "kind": "prospect", "wechat_openid": OPENID,
        "consent": {"wechat": True}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["wechat_openid"] == OPENID
    assert body["consent"] == {"sms": False, "phone": False, "email": False, "wechat": True}
    created = [event for event in events() if event.type == "customer.created.v1"][-1]
    assert created.data["wechat_openid"] == OPENID and created.data["consent"]["wechat"] is True
    consents = client.get(f"/api/v1/customers/{body['id']}/consents", headers=WRITER).get_json()
    assert consents["channels"]["wechat"]["granted"] and consents["channels"]["wechat"]["source"] == (
        "given at registration")


def test_a_customer_without_them_has_no_openid_and_no_wechat_consent_in_every_event(client, new_customer, events):
    customer = new_customer()
    assert customer["wechat_openid"] is None and customer["consent"]["wechat"] is False
    created = [event for event in events() if event.type == "customer.created.v1"][-1]
    assert created.data["consent"]["wechat"] is False and created.data["wechat_openid"] is None


def test_the_openid_is_edited_with_the_version_and_customer_updated_carries_it(client, new_customer, events):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}"
    assert client.patch(path, headers={**WRITER, "If-Match": '"2"'},
                        json={"wechat_openid": OPENID}).status_code == 409  # made on a version it is not at
    edited = client.patch(path, headers=WRITER, json={"version": 1, "wechat_openid": OPENID,
                                                      "consent": {"wechat": True}})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["wechat_openid"] == OPENID and edited.get_json()["version"] == 2
    updated = [event for event in events() if event.type == "customer.updated.v1"][-1]
    assert updated.data["wechat_openid"] == OPENID and updated.data["changes"]["wechat_openid"] == [None, OPENID]
    assert updated.data["consent"]["wechat"] is True
    history = client.get(f"{path}/history", headers=WRITER).get_json()["items"]
    assert history[0]["changes"]["wechat_openid"] == [None, OPENID]
    cleared = client.patch(path, headers={**WRITER, "If-Match": '"2"'}, json={"wechat_openid": None})
    assert cleared.get_json()["wechat_openid"] is None


@pytest.mark.parametrize("openid", ["", "   ", "o GZUI0egBJY1", "oGZUI0egBJY1\n", "x" * 129, "微信用户", 42])
def test_a_bad_openid_is_a_422_naming_it(client, new_customer, openid):
    created = client.post("/api/v1/customers", headers=WRITER, json={
        "name": "王芳", "phone": "13912345678", "kind": "prospect", "wechat_openid": openid})
    assert created.status_code == 422 and set(created.get_json()["errors"]) == {"wechat_openid"}
    customer = new_customer()
    edited = client.patch(f"/api/v1/customers/{customer['id']}", headers={**WRITER, "If-Match": '"1"'},
                          json={"wechat_openid": openid})
    assert edited.status_code == 422 and set(edited.get_json()["errors"]) == {"wechat_openid"}


def test_consent_to_wechat_is_granted_and_withdrawn_with_its_source(client, new_customer, events):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/consents"
    assert client.get(path, headers=WRITER).get_json()["channels"]["wechat"] == {
        "granted": False, "given_at": None, "source": None}
    given = client.post(path, headers=WRITER, json={"channel": "wechat", "granted": True,
                                                    "source": "关注公众号时勾选同意"})
    assert given.status_code == 201, given.get_json()
    assert given.get_json()["channels"]["wechat"]["granted"]
    assert [(r["channel"], r["granted"]) for r in given.get_json()["records"]] == [("wechat", True)]
    updated = [event for event in events() if event.type == "customer.updated.v1"][-1]
    assert updated.data["changes"]["consent"][1]["wechat"] is True
    withdrawn = client.post(path, headers=WRITER, json={"channel": "wechat", "granted": False, "source": "取消关注"})
    assert withdrawn.get_json()["channels"]["wechat"]["granted"] is False
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=WRITER).get_json()["consent"]["wechat"] is False


def test_a_customer_stored_before_wechat_reads_as_not_consenting_to_it(app, client, new_customer, events):
    customer = new_customer(consent={"sms": True})
    with service_context(app).engine.begin() as db:  # as stored before WeChat was a channel
        db.execute(update(customers).where(customers.c.id == customer["id"])
                   .values(consent={"sms": True, "phone": False, "email": False}))
    path = f"/api/v1/customers/{customer['id']}"
    assert client.get(path, headers=WRITER).get_json()["consent"] == {
        "sms": True, "phone": False, "email": False, "wechat": False}
    assert client.get(f"{path}/consents", headers=WRITER).get_json()["channels"]["wechat"]["granted"] is False
    edited = client.patch(path, headers={**WRITER, "If-Match": '"1"'}, json={"consent": {"phone": True}})
    assert edited.status_code == 200
    updated = [event for event in events() if event.type == "customer.updated.v1"][-1]
    assert updated.data["changes"]["consent"] == [{"sms": True, "phone": False, "email": False, "wechat": False},
                                                  {"sms": True, "phone": True, "email": False, "wechat": False}]
    records = client.get(f"{path}/consents", headers=WRITER).get_json()["records"]
    assert [(r["channel"], r["granted"]) for r in records] == [("sms", True), ("phone", True)]  # no wechat change


def test_an_import_reads_the_openid_and_wechat_consent_in_english_and_chinese(client):
    job = upload(client, "name,phone,kind,wechat_openid,consent_wechat\n"
                         f"张伟,13800138000,owner,{OPENID},yes\n"
                         "李娜,13700137000,owner,o bad id,no\n")
    assert (job["created"], job["failed"]) == (1, 1), job
    errors = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=MANAGER).get_json()["items"]
    assert [(error["line"], error["column"]) for error in errors] == [(3, "wechat_openid")]
    job = upload(client, "姓名,手机,类型,微信OpenID,微信\n王芳,13900139000,保有客户,oAbC-12_x,是\n")
    assert (job["created"], job["failed"]) == (1, 0), job
    found = {c["name"]: c for c in client.get("/api/v1/customers?page_size=50", headers=MANAGER).get_json()["items"]}
    assert found["张伟"]["wechat_openid"] == OPENID and found["张伟"]["consent"]["wechat"] is True
    assert found["王芳"]["wechat_openid"] == "oAbC-12_x" and found["王芳"]["consent"]["wechat"] is True
    records = client.get(f"/api/v1/customers/{found['王芳']['id']}/consents", headers=MANAGER).get_json()["records"]
    assert [(r["channel"], r["granted"]) for r in records] == [("wechat", True)]


def test_an_import_refuses_a_wechat_account_name_column_as_not_the_openid(client):
    data = {"file": (io.BytesIO("姓名,手机,类型,微信号\n王芳,13900139000,owner,wangfang88\n".encode()), "a.csv")}
    response = client.post("/api/v1/customers/imports", data=data, headers=MANAGER,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "openid" in response.get_json()["errors"]["微信号"][0]


def test_the_export_has_the_openid_and_wechat_consent_and_imports_back_unchanged(client, new_customer):
    new_customer(name="张三", phone="13800138000", wechat_openid=OPENID, consent={"wechat": True})
    new_customer(name="李四", phone="13900139000")
    text = client.get("/api/v1/customers/export", headers=MANAGER).get_data().decode("utf-8-sig")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["张三"]["wechat_openid"] == OPENID and rows["张三"]["consent_wechat"] == "True"
    assert rows["李四"]["wechat_openid"] == "" and rows["李四"]["consent_wechat"] == "False"
    job = upload(client, text, mode="upsert")
    assert (job["unchanged"], job["created"], job["updated"], job["failed"]) == (2, 0, 0, 0), job


def test_erasure_blanks_the_openid_withdraws_wechat_and_scrubs_it_from_history_and_events(client, new_customer,
                                                                                          events):
    customer = new_customer(wechat_openid=OPENID, consent={"wechat": True})
    path = f"/api/v1/customers/{customer['id']}"
    client.patch(path, headers={**WRITER, "If-Match": '"1"'}, json={"wechat_openid": "oNewOpenId123"})
    document = client.get(f"{path}/personal-data", headers=MANAGER).get_json()
    assert document["customer"]["wechat_openid"] == "oNewOpenId123"
    assert any(entry["changes"].get("wechat_openid") == [OPENID, "oNewOpenId123"] for entry in document["history"])
    erased = client.post(f"{path}/erasure", headers=MANAGER).get_json()
    assert erased["wechat_openid"] is None and erased["consent"]["wechat"] is False
    document = client.get(f"{path}/personal-data", headers=MANAGER).get_json()
    everything = json.dumps(document) + json.dumps([event.data for event in events()])
    assert OPENID not in everything and "oNewOpenId123" not in everything
