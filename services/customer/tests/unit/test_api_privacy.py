"""Personal-data rights: everything held about a customer as one document, erasure, consent records."""
from __future__ import annotations

import io
import json
import time
from datetime import datetime

import pytest
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "zhao.jl")
VIN = "LSVAU2180N2183294"


@pytest.fixture
def known_customer(client):
    """A customer with a car, a service visit with notes, points, edits and a consent."""
    customer = client.post("/api/v1/customers", headers=AGENT, json={
        "name": "欧阳娜娜", "phone": "138 0013 8000", "phones": ["010-6552-9988"], "kind": "prospect",
        "email": "nana@example.cn", "address": "北京市朝阳区建国路1号", "birthday": "1990-05-01",
        "region": {"province": "北京市", "city": "北京市", "district": "朝阳区"}, "tags": ["VIP"],
        "notes": "喜欢周末来店", "employer": "某银行", "consent": {"sms": True, "wechat": True},
        "wechat_openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE"}).get_json()
    path = f"/api/v1/customers/{customer['id']}"
    asset = client.post(f"{path}/assets", headers=AGENT, json={
        "kind": "vehicle", "model": "雅阁", "plate": "京A 12345", "vin": VIN, "odometer_km": 10}).get_json()
    client.post(f"{path}/visits", headers=AGENT, json={
        "kind": "service", "service_type": "maintenance", "asset_id": asset["id"], "amount": "1200.00",
        "odometer_km": 5000,
        "notes": "客户说下月出国"})
    client.patch(path, headers={**AGENT, "If-Match": '"1"'}, json={"email": "nana@bank.cn", "job_title": "经理"})
    return customer


def test_export_holds_everything_about_the_customer_in_one_document(client, known_customer):
    path = f"/api/v1/customers/{known_customer['id']}/personal-data"
    assert client.get(path, headers=AGENT).status_code == 403
    response = client.get(path, headers=MANAGER)
    assert response.status_code == 200
    document = response.get_json()
    assert document["customer"]["name"] == "欧阳娜娜" and document["customer"]["email"] == "nana@bank.cn"
    assert document["customer"]["phones"] == ["+861065529988"]
    assert document["customer"]["wechat_openid"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    assert document["customer"]["consent"]["wechat"]
    assert document["assets"][0]["vin"] == VIN and document["assets"][0]["odometer_readings"][-1]["km"] == 5000
    assert document["visits"][0]["notes"] == "客户说下月出国"
    assert [entry["points"] for entry in document["points_ledger"]] == [1200]
    assert document["consent_records"][0]["channel"] == "sms" and document["consent_records"][0]["granted"]
    assert {"created", "asset_registered", "visit_recorded", "updated"} <= {e["action"] for e in document["history"]}
    assert any(entry["changes"].get("email") == ["nana@example.cn", "nana@bank.cn"] for entry in document["history"])
    json.dumps(document, ensure_ascii=False)  # one plain JSON document
    history = client.get(f"/api/v1/customers/{known_customer['id']}/history", headers=AGENT).get_json()["items"]
    assert (history[0]["action"], history[0]["actor"]) == ("personal_data_exported", "zhao.jl")


def test_erasure_removes_personal_data_at_once_keeps_figures_and_tells_everyone(client, known_customer, events):
    customer_id = known_customer["id"]
    assert client.post(f"/api/v1/customers/{customer_id}/erasure", headers=AGENT).status_code == 403
    response = client.post(f"/api/v1/customers/{customer_id}/erasure", headers=MANAGER)
    assert response.status_code == 200
    erased = response.get_json()
    assert erased["erased_at"] and erased["name"] == "[erased]"
    for field in ("phone", "email", "address", "birthday", "notes", "employer", "job_title"):
        assert erased[field] is None, field
    assert erased["phones"] == [] and erased["tags"] == []
    assert erased["wechat_openid"] is None
    assert erased["consent"] == {"sms": False, "phone": False, "email": False, "wechat": False}
    assert erased["region"] == {"province": "北京市", "city": "北京市"}
    assert (erased["kind"], erased["points_balance"]) == ("prospect", 1200)

    document = client.get(f"/api/v1/customers/{customer_id}/personal-data", headers=MANAGER).get_json()
    text = json.dumps(document, ensure_ascii=False)
    for secret in ("欧阳娜娜", "8000", "nana@", "建国路", "1990-05-01", "下月出国", "12345", VIN, "某银行", "经理",
                   "oGZUI0egBJY1zhBYw2KhdUfwVJJE"):
        assert secret not in text, secret
    assert document["visits"][0]["details"]["amount"] == "1200.00"  # anonymous figures stay
    assert document["history"][-1]["action"] == "erased"
    assert any(entry["changes"].get("email") == ["[erased]", "[erased]"] for entry in document["history"])

    erasures = [event for event in events() if event.type == "customer.erased.v1"]
    assert len(erasures) == 1 and erasures[0].subject == customer_id
    # the stored event history (replayed to rebuild read models) no longer holds the person either
    history_of_events = json.dumps([event.data for event in events()], ensure_ascii=False)
    for secret in ("欧阳娜娜", "8000", "nana@", "建国路", "1990-05-01", "下月出国", "12345", VIN, "某银行"):
        assert secret not in history_of_events, secret
    assert {"customer.created.v1", "asset.registered.v1", "visit.done.v1"} <= {event.type for event in events()}
    assert erasures[0].data == {"customer_id": customer_id, "erased_at": erasures[0].data["erased_at"]}


def test_answers_kept_for_replayed_writes_are_forgotten_with_the_customer(app, client):
    from servicekit.db import idempotency_keys
    from servicekit.webapp import service_context
    from sqlalchemy import func, select

    def kept() -> int:
        with service_context(app).engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(idempotency_keys)).scalar()

    body = {"name": "欧阳娜娜", "phone": "13800000009", "kind": "prospect"}
    customer = client.post("/api/v1/customers", headers={**AGENT, "Idempotency-Key": "k1"}, json=body).get_json()
    client.post("/api/v1/customers", headers={**AGENT, "Idempotency-Key": "k2"},
                json={**body, "name": "别人", "phone": "13800000008"})
    assert kept() == 2
    client.post(f"/api/v1/customers/{customer['id']}/erasure", headers=MANAGER)
    assert kept() == 1  # the other customer's answer stays
    replayed = client.post("/api/v1/customers", headers={**AGENT, "Idempotency-Key": "k1"}, json=body)
    assert "欧阳娜娜" not in json.dumps(client.get(f"/api/v1/customers/{customer['id']}", headers=AGENT).get_json(),
                                       ensure_ascii=False)
    assert replayed.status_code == 201 and replayed.get_json()["id"] != customer["id"]


def test_an_erased_customers_phone_and_vin_are_free_for_someone_else(client, known_customer):
    client.post(f"/api/v1/customers/{known_customer['id']}/erasure", headers=MANAGER)
    newcomer = client.post("/api/v1/customers", headers=AGENT,
                           json={"name": "新车主", "phone": "13800138000", "kind": "owner"})
    assert newcomer.status_code == 201
    car = client.post(f"/api/v1/customers/{newcomer.get_json()['id']}/assets", headers=AGENT,
                      json={"kind": "vehicle", "model": "雅阁", "vin": VIN})
    assert car.status_code == 201
    assert client.get("/api/v1/customers?phone=8000", headers=AGENT).get_json()["total"] == 1


def test_an_import_report_naming_the_customer_forgets_their_number(client, known_customer):
    content = "name,phone,phones,kind\n王五,13900139000,13800138000,prospect\n".encode()
    response = client.post("/api/v1/customers/imports", headers=AGENT, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "customers.csv")})
    location = response.headers["Location"]
    deadline = time.monotonic() + 20
    while client.get(location, headers=AGENT).get_json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    def messages() -> list[str]:
        return [e["message"] for e in client.get(f"{location}/errors", headers=AGENT).get_json()["items"]]

    assert any("+8613800138000" in message and known_customer["id"] in message for message in messages())
    assert client.post(f"/api/v1/customers/{known_customer['id']}/erasure", headers=MANAGER).status_code == 200
    after = messages()
    assert len(after) == 1 and "erased" in after[0]
    assert "13800138000" not in after[0] and known_customer["id"] not in after[0]


def test_an_erased_customer_is_read_only_and_cannot_be_erased_twice(client, known_customer):
    path = f"/api/v1/customers/{known_customer['id']}"
    client.post(f"{path}/erasure", headers=MANAGER)
    again = client.post(f"{path}/erasure", headers=MANAGER)
    assert again.status_code == 409 and "already erased" in again.get_json()["detail"]
    edit = client.patch(path, headers={**AGENT, "If-Match": '"3"'}, json={"name": "又回来了"})
    assert edit.status_code == 409 and "erased" in edit.get_json()["detail"]
    assert client.post(f"{path}/visits", headers=AGENT, json={"kind": "store"}).status_code == 409
    assert client.post(f"{path}/points/redemptions", headers=AGENT,
                       json={"points": 1, "reason": "x"}).status_code == 409
    assert client.get(path, headers=AGENT).get_json()["name"] == "[erased]"


def test_erasing_an_unknown_customer_is_404(client):
    assert client.post("/api/v1/customers/00000000-0000-4000-8000-000000000000/erasure",
                       headers=MANAGER).status_code == 404


def test_consent_is_kept_per_channel_with_time_and_source(client, new_customer, events):
    customer = new_customer(consent={"sms": True})
    path = f"/api/v1/customers/{customer['id']}/consents"
    start = client.get(path, headers=AGENT).get_json()
    assert start["channels"]["sms"]["granted"] and start["channels"]["sms"]["source"] == "given at registration"
    assert start["channels"]["email"] == {"granted": False, "given_at": None, "source": None}
    given = client.post(path, headers=AGENT, json={"channel": "email", "granted": True, "source": "到店签署纸质同意书",
                                                   "given_at": "2026-11-20T10:00:00+08:00"})
    assert given.status_code == 201
    email = given.get_json()["channels"]["email"]
    assert email["granted"] and email["source"] == "到店签署纸质同意书"
    assert email["given_at"].startswith("2026-11-20T02:00:00")
    withdrawn = client.post(path, headers=AGENT, json={"channel": "sms", "granted": False, "source": "电话退订"})
    assert withdrawn.get_json()["channels"]["sms"]["granted"] is False
    assert [r["channel"] for r in withdrawn.get_json()["records"]] == ["sms", "email", "sms"]
    now = client.get(f"/api/v1/customers/{customer['id']}", headers=AGENT).get_json()
    assert now["consent"] == {"sms": False, "phone": False, "email": True, "wechat": False}
    consent_updates = [e.data["changes"]["consent"] for e in events() if e.type == "customer.updated.v1"]
    assert consent_updates[-1][1] == {"sms": False, "phone": False, "email": True, "wechat": False}


def test_a_consent_edit_through_patch_is_recorded_too(client, new_customer):
    customer = new_customer()
    client.patch(f"/api/v1/customers/{customer['id']}", headers={**AGENT, "If-Match": '"1"'},
                 json={"consent": {"phone": True}})
    records = client.get(f"/api/v1/customers/{customer['id']}/consents", headers=AGENT).get_json()["records"]
    assert [(r["channel"], r["granted"], r["source"], r["recorded_by"]) for r in records] == [
        ("phone", True, "customer record edit", "li.si")]


@pytest.mark.parametrize("body", [{"channel": "fax", "granted": True, "source": "x"},
                                  {"channel": "sms", "source": "x"}, {"channel": "sms", "granted": True},
                                  {"channel": "sms", "granted": True, "source": " "},
                                  {"channel": "sms", "granted": True, "source": "x", "given_at": "2099-01-01T00:00Z"},
                                  {"channel": "sms", "granted": True, "source": "x", "given_at": "2026-01-01T00:00"}])
def test_a_bad_consent_is_422_and_records_nothing(client, new_customer, body):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/consents"
    assert client.post(path, headers=AGENT, json=body).status_code == 422
    assert client.get(path, headers=AGENT).get_json()["records"] == []


def test_erasing_a_customer_erases_the_records_merged_into_it(client, new_customer, events):
    survivor = new_customer(name="李娜", email="li.na@example.cn")
    duplicate = new_customer(name="李娜", phone="13912345678", notes="重复登记")
    merged = client.post("/api/v1/customers/merges", headers=MANAGER,
                         json={"survivor_id": survivor["id"], "merged_id": duplicate["id"]})
    assert merged.status_code == 201, merged.get_json()
    merge_id = merged.get_json()["merge_id"]
    assert client.post(f"/api/v1/customers/{survivor['id']}/erasure", headers=MANAGER).status_code == 200
    document = client.get(f"/api/v1/customers/{survivor['id']}/personal-data", headers=MANAGER).get_json()
    assert [record["name"] for record in document["merged_records"]] == ["[erased]"]
    assert "李娜" not in json.dumps(document, ensure_ascii=False) and "重复登记" not in json.dumps(document)
    erased = {event.subject for event in events() if event.type == "customer.erased.v1"}
    assert erased == {survivor["id"], duplicate["id"]}
    undo = client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=MANAGER)
    assert undo.status_code == 409  # an undo would bring the person back
    merge = client.get(f"/api/v1/customers/merges/{merge_id}", headers=MANAGER)
    assert "李娜" not in merge.get_data(as_text=True)
    assert client.post("/api/v1/customers", headers=AGENT,
                       json={"name": "新", "phone": "13912345678", "kind": "prospect"}).status_code == 201


def test_a_visit_or_asset_racing_an_erasure_is_refused_by_the_use_case_itself(app, client, new_customer):
    from customer.domain.errors import Conflict
    from customer.service_layer.assets import register_asset
    from customer.service_layer.visits import record_visit
    from servicekit.webapp import service_context

    customer = new_customer()
    client.post(f"/api/v1/customers/{customer['id']}/erasure", headers=MANAGER)
    sessions = service_context(app).sessions  # past the check before the view, as a request that raced it
    with pytest.raises(Conflict):
        record_visit(sessions, customer["id"], {"kind": "store", "notes": "私事"}, "li.si")
    with pytest.raises(Conflict):
        register_asset(sessions, customer["id"], {"kind": "vehicle", "model": "雅阁", "plate": "粤B1"}, "li.si")
    assert client.get(f"/api/v1/customers/{customer['id']}/visits", headers=AGENT).get_json()["total"] == 0


def _timestamps(node, path=""):
    """(path, value) of every member named like a moment (`*_at`, `at`, `*_until`) in a JSON body."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and (key == "at" or key.endswith(("_at", "_until"))):
                yield f"{path}.{key}", value
            yield from _timestamps(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _timestamps(value, f"{path}[{index}]")


def test_every_moment_sent_carries_its_utc_offset_also_after_erasure(client, known_customer):
    customer_id = known_customer["id"]
    client.post(f"/api/v1/customers/{customer_id}/erasure", headers=MANAGER)
    bodies = [client.get(f"/api/v1/customers/{customer_id}", headers=MANAGER).get_json(),
              client.get(f"/api/v1/customers/{customer_id}/personal-data", headers=MANAGER).get_json()]
    moments = dict(item for body in bodies for item in _timestamps(body))
    assert ".erased_at" in moments
    naive = {path: value for path, value in moments.items() if datetime.fromisoformat(value).tzinfo is None}
    assert naive == {}
