"""Merging duplicates through the API: preview, merge, tombstone, undo, and what cannot be done."""
from __future__ import annotations

import pytest
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "chen.jie")
READER = auth_headers("viewer", "wang.wu")


@pytest.fixture
def pair(client, new_customer):
    """The same man registered twice: once as an owner with a car and a visit, once as a prospect."""
    survivor = new_customer(name="张伟", phone="13800138000", kind="owner", tags=["VIP"], email=None,
                            notes="老客户", region={"province": "广东省", "city": "深圳市", "district": "南山区"})
    merged = new_customer(name="张 伟", phone="13900139000", phones=["020 8888 6666"], kind="prospect",
                          tags=["试驾"], email="zhang.wei@example.cn", notes="周末来店", intent_grade="H")
    car = client.post(f"/api/v1/customers/{merged['id']}/assets", headers=WRITER,
                      json={"kind": "vehicle", "model": "雅阁", "plate": "粤B12345", "vin": "LSVAU2180N2183294"})
    client.post(f"/api/v1/customers/{merged['id']}/visits", headers=WRITER, json={"kind": "store", "purpose": "看车"})
    return survivor, merged, car.get_json()


def merge(client, survivor, merged, preview=False, headers=MANAGER, **extra):
    path = "/api/v1/customers/merges" + ("/preview" if preview else "")
    return client.post(path, headers=headers, json={"survivor_id": survivor["id"], "merged_id": merged["id"], **extra})


def snapshot(client, customer_id):
    """What a user sees of one customer: the record, its assets, visits and history."""
    path = f"/api/v1/customers/{customer_id}"
    return {"customer": client.get(path, headers=READER).get_json(),
            **{part: client.get(f"{path}/{part}", headers=READER).get_json()["items"]
               for part in ("assets", "visits", "history")}}


def test_preview_shows_the_survivor_conflicts_and_moves_but_writes_nothing(client, pair, events):
    survivor, merged, _ = pair
    before = (snapshot(client, survivor["id"]), snapshot(client, merged["id"]), len(events()))
    response = merge(client, survivor, merged, preview=True, headers=READER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is True and body["merge_id"] is None
    result = body["survivor"]
    assert result["id"] == survivor["id"] and result["kind"] == "owner" and result["intent_grade"] is None
    assert result["phone"] == "+8613800138000"
    assert set(result["phones"]) == {"+8613900139000", "+862088886666"}
    assert result["tags"] == ["VIP", "试驾"] and result["email"] == "zhang.wei@example.cn"
    assert result["notes"] == "老客户\n——\n周末来店"
    assert body["conflicts"]["name"] == {"survivor": "张伟", "merged": "张 伟", "kept": "survivor"}
    assert body["moved"]["assets"] == 1 and body["moved"]["visits"] == 1
    assert (snapshot(client, survivor["id"]), snapshot(client, merged["id"]), len(events())) == before


def test_merge_moves_everything_keeps_a_tombstone_and_emits_merged(client, pair, events):
    survivor, merged, car = pair
    response = merge(client, survivor, merged, choices={"name": "merged", "notes": "survivor"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["survivor"]["name"] == "张 伟" and body["survivor"]["notes"] == "老客户"
    now_survivor = snapshot(client, survivor["id"])
    assert [asset["id"] for asset in now_survivor["assets"]] == [car["id"]]
    assert now_survivor["assets"][0]["customer_id"] == survivor["id"]
    assert [visit["kind"] for visit in now_survivor["visits"]] == ["store"]
    assert now_survivor["history"][0]["action"] == "merged"
    assert {"created", "asset_registered", "visit_recorded"} <= {e["action"] for e in now_survivor["history"]}
    # the merged id still answers, with the survivor
    tombstone = client.get(f"/api/v1/customers/{merged['id']}", headers=READER)
    assert tombstone.status_code == 200 and tombstone.get_json()["id"] == survivor["id"]
    assert tombstone.headers["Link"] == f'</api/v1/customers/{survivor["id"]}>; rel="canonical"'
    # and is not found twice by a search
    found = client.get("/api/v1/customers?q=zhangwei", headers=READER).get_json()
    assert [item["id"] for item in found["items"]] == [survivor["id"]]
    assert client.get("/api/v1/customers?phone=13900139000", headers=READER).get_json()["items"][0]["id"] == \
        survivor["id"]
    kinds = [event.type for event in events()]
    assert kinds[-2:] == ["customer.updated.v1", "customer.merged.v1"]
    merged_event = events()[-1]
    assert merged_event.subject == survivor["id"]
    assert merged_event.data["survivor_id"] == survivor["id"] and merged_event.data["merged_id"] == merged["id"]
    assert merged_event.data["merge_id"] == body["merge_id"]


def test_undo_restores_both_records_exactly_and_emits_unmerged(client, pair, events):
    survivor, merged, _ = pair
    before = {customer["id"]: snapshot(client, customer["id"]) for customer in (survivor, merged)}
    merge_id = merge(client, survivor, merged, choices={"phone": "merged", "email": "survivor"}).get_json()["merge_id"]
    response = client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=MANAGER)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["undone_by"] == "chen.jie"
    for customer_id, was in before.items():
        now = snapshot(client, customer_id)
        for record in (now["customer"], was["customer"]):
            record.pop("version"), record.pop("updated_at")
        assert now["customer"] == was["customer"]
        assert now["assets"] == was["assets"] and now["visits"] == was["visits"]
        # the original history, under the audit trail of the merge and its undo
        assert now["history"][2:] == was["history"]
        assert [entry["action"] for entry in now["history"][:2]] == \
            (["unmerged", "merged"] if customer_id == survivor["id"] else ["unmerged", "merged_into"])
    assert [event.type for event in events()][-1] == "customer.unmerged.v1"
    assert events()[-1].data == {"survivor_id": survivor["id"], "restored_id": merged["id"],
                                 "unmerged_at": events()[-1].data["unmerged_at"], "merge_id": merge_id}
    again = client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=MANAGER)
    assert again.status_code == 409


def test_undo_is_refused_once_the_survivor_was_edited(client, pair):
    survivor, merged, _ = pair
    body = merge(client, survivor, merged).get_json()
    version = body["survivor"]["version"]
    client.patch(f"/api/v1/customers/{survivor['id']}", json={"notes": "合并后补充"},
                 headers={**WRITER, "If-Match": f'"{version}"'})
    response = client.post(f"/api/v1/customers/merges/{body['merge_id']}/undo", headers=MANAGER)
    assert response.status_code == 409 and response.get_json()["current_version"] == version + 1


def test_undo_after_the_window_is_refused(make_settings, migrated_sqlite):
    from customer.app import create_app
    from customer.entrypoints.runner import MIGRATIONS

    app = create_app(make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, "customer"),
                                   extra={"CRM_CUSTOMER_MERGE_UNDO_HOURS": "0"}))
    client = app.test_client()
    first, second = (client.post("/api/v1/customers", headers=WRITER,
                                 json={"name": "李娜", "phone": phone, "kind": "owner"}).get_json()
                     for phone in ("13700137000", "13600136000"))
    body = merge(client, first, second).get_json()
    response = client.post(f"/api/v1/customers/merges/{body['merge_id']}/undo", headers=MANAGER)
    assert response.status_code == 409 and "could be undone until" in response.get_json()["detail"]


def test_a_tombstone_cannot_be_merged_again_nor_edited(client, pair, new_customer):
    survivor, merged, _ = pair
    merge(client, survivor, merged)
    third = new_customer(name="张伟", phone="13500135000")
    response = merge(client, third, merged)
    assert response.status_code == 409 and response.get_json()["survivor_id"] == survivor["id"]
    patch = client.patch(f"/api/v1/customers/{merged['id']}", json={"notes": "x"},
                         headers={**WRITER, "If-Match": '"2"'})
    assert patch.status_code == 409 and patch.get_json()["survivor_id"] == survivor["id"]


@pytest.mark.parametrize("body,field", [
    ({"choices": {"phones": "merged"}}, "choices"),
    ({"choices": {"name": "nobody"}}, "choices"),
    ({"choices": {"kind": "merged"}}, "choices.kind"),
    ({"survivor_version": 0}, "survivor_version"),
])
def test_bad_merges_are_422s_naming_the_field(client, pair, body, field):
    survivor, merged, _ = pair
    response = merge(client, survivor, merged, **body)
    assert response.status_code == 422, response.get_json()
    assert any(name.startswith(field) for name in response.get_json()["errors"])


def test_merging_a_customer_into_itself_unknown_ones_or_a_stale_version(client, pair):
    survivor, merged, _ = pair
    assert merge(client, survivor, survivor).status_code == 422
    assert merge(client, survivor, {"id": "6f1c1b9e-0000-4000-8000-000000000000"}).status_code == 404
    assert merge(client, survivor, merged, merged_version=7).status_code == 409
    assert merge(client, survivor, merged, headers=WRITER).status_code == 403
    assert client.post("/api/v1/customers/merges/6f1c1b9e-0000-4000-8000-000000000000/undo",
                       headers=MANAGER).status_code == 404


def test_points_add_up_the_tier_follows_and_undo_takes_both_back(client, new_customer, events):
    first, second = new_customer(name="李娜", phone="13700137000"), new_customer(name="李娜", phone="13600136000")
    for customer in (first, second):
        response = client.post(f"/api/v1/customers/{customer['id']}/points/adjustments", headers=MANAGER,
                               json={"points": 600, "reason": "开业活动"})
        assert response.status_code in (200, 201), response.get_json()
    body = merge(client, first, second).get_json()
    assert (body["survivor"]["points_balance"], body["survivor"]["tier"]) == (1200, "silver")
    points = client.get(f"/api/v1/customers/{first['id']}/points", headers=READER).get_json()
    assert points["balance"] == 1200
    tier_moves = [e.data for e in events() if e.type == "customer.tier_changed.v1"]
    assert [(t["from_tier"], t["to_tier"]) for t in tier_moves] == [("regular", "silver")]
    client.post(f"/api/v1/customers/merges/{body['merge_id']}/undo", headers=MANAGER)
    for customer in (first, second):
        again = client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json()
        assert (again["points_balance"], again["tier"]) == (600, "regular")
    tier_moves = [e.data for e in events() if e.type == "customer.tier_changed.v1"]
    assert [(t["from_tier"], t["to_tier"]) for t in tier_moves] == [("regular", "silver"), ("silver", "regular")]
