"""History of every change, and the events each write puts in the outbox."""
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


def test_history_lists_every_change_newest_first_with_actor_and_old_new(client, new_customer):
    customer = new_customer(name="张伟", notes="初次来店")
    path = f"/api/v1/customers/{customer['id']}"
    client.patch(path, json={"notes": "第二次来店", "owner": "zhao.liu"},
                 headers={**auth_headers("manager", "chen.jie"), "If-Match": '"1"'})
    client.post(f"{path}/assets", json={"kind": "other", "description": "会员卡"}, headers=WRITER)
    client.post(f"{path}/visits", json={"kind": "store", "purpose": "看车"}, headers=WRITER)
    body = client.get(f"{path}/history", headers=READER).get_json()
    assert body["total"] == 4
    actions = [(entry["action"], entry["actor"]) for entry in body["items"]]
    assert actions == [("visit_recorded", "li.si"), ("asset_registered", "li.si"), ("updated", "chen.jie"),
                       ("created", "li.si")]
    assert body["items"][2]["changes"] == {"notes": ["初次来店", "第二次来店"], "owner": [None, "zhao.liu"]}
    assert body["items"][3]["changes"]["name"] == [None, "张伟"]


def test_history_of_unknown_customer_is_404_and_bad_page_is_422(client, new_customer):
    assert client.get("/api/v1/customers/6f1c1b9e-0000-4000-8000-000000000000/history",
                      headers=READER).status_code == 404
    customer = new_customer()
    response = client.get(f"/api/v1/customers/{customer['id']}/history?page_size=0", headers=READER)
    assert response.status_code == 422


def test_created_event_carries_the_customer_keyed_by_its_id_and_the_request_id(client, events):
    response = client.post("/api/v1/customers", headers={**WRITER, "X-Request-ID": "req-42"},
                           json={"name": "黄晓明", "phone": "13800138000", "kind": "owner",
                                 "region": {"province": "浙江省", "city": "杭州市"}})
    customer = response.get_json()
    (event,) = events()
    assert event.type == "customer.created.v1" and event.source == "/guanxi/customer"
    assert event.subject == customer["id"] and event.correlationid == "req-42"
    assert event.data == customer


def test_updated_event_has_id_version_new_values_and_changes(client, new_customer, events):
    customer = new_customer(stage="lead")
    client.patch(f"/api/v1/customers/{customer['id']}", json={"stage": "prospect", "intent_grade": "B"},
                 headers={**WRITER, "If-Match": '"1"'})
    event = events()[-1]
    assert event.type == "customer.updated.v1" and event.subject == customer["id"]
    assert event.data == {"id": customer["id"], "version": 2, "stage": "prospect", "intent_grade": "B",
                          "changes": {"stage": ["lead", "prospect"], "intent_grade": [None, "B"]}}


def test_asset_registered_event(client, new_customer, events):
    customer = new_customer()
    asset = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER,
                        json={"kind": "vehicle", "model": "雅阁", "vin": "LSVAU2180N2183294"}).get_json()
    event = events()[-1]
    assert event.type == "asset.registered.v1" and event.subject == customer["id"]
    assert event.data == {"customer_id": customer["id"], "asset": asset}


def test_forbidden_or_invalid_writes_record_no_event(client, new_customer, events):
    customer = new_customer()
    before = len(events())
    client.post("/api/v1/customers", json={"name": "x", "phone": "13800138000", "kind": "owner"}, headers=READER)
    client.post(f"/api/v1/customers/{customer['id']}/visits", json={"kind": "store"}, headers=READER)
    client.post(f"/api/v1/customers/{customer['id']}/visits", json={"kind": "nope"}, headers=WRITER)
    client.patch(f"/api/v1/customers/{customer['id']}", json={"kind": "owner", "stage": "lead"},
                 headers={**WRITER, "If-Match": '"1"'})
    assert len(events()) == before
    history = client.get(f"/api/v1/customers/{customer['id']}/history", headers=READER).get_json()
    assert history["total"] == 1


def test_openapi_document_lists_the_customer_paths(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/customers/{customer_id}/visits",
            "/api/v1/customers/{customer_id}/assets/{asset_id}/odometer"} <= set(paths)
