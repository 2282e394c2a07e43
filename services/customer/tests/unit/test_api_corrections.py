"""Corrections of mistakes: visits corrected or voided, assets corrected, sold, transferred or voided, odometer
readings on their own; bounded dates; service types, WeChat callbacks, event names."""
from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta

import pytest
from customer.entrypoints.runner import MIGRATIONS
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
VIN = "LSVAU2180N2183294"
OTHER_VIN = "LHGCV1658R8012345"


@pytest.fixture
def owner(client, new_customer):
    """A prospect graded A with a car registered (10 km on 2024-03-01)."""
    customer = new_customer(intent_grade="A", wanted_model="雅阁")
    asset = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER, json={
        "kind": "vehicle", "model": "雅阁 2024", "plate": "粤B 12354", "vin": VIN, "delivered_on": "2024-03-01",
        "odometer_km": 10}).get_json()
    return customer, asset


def path(customer, *parts):
    return "/".join([f"/api/v1/customers/{customer['id']}", *parts])


def visit(client, customer, **body):
    return client.post(path(customer, "visits"), json=body, headers=WRITER)


def of_type(events, type):
    return [event for event in events() if event.type == type]


def history(client, customer):
    return client.get(path(customer, "history"), headers=READER).get_json()["items"]


def readings(client, customer, asset):
    return client.get(path(customer, "assets", asset["id"], "odometer"), headers=READER).get_json()["items"]


# --- dates, service types, channels, event names -------------------------------------------------------------

@pytest.mark.parametrize("occurred_at", ["2030-01-01T09:00:00+08:00", "1989-12-31T09:00:00+08:00",
                                         (datetime.now(UTC) + timedelta(days=2)).isoformat()],
                         ids=["2030", "1989", "in two days"])  # ids that do not change from run to run
def test_a_visit_in_the_far_future_or_before_1990_is_a_422_naming_occurred_at(client, owner, events, occurred_at):
    customer, _ = owner
    before = len(events())
    response = visit(client, customer, kind="store", occurred_at=occurred_at)
    assert response.status_code == 422 and "occurred_at" in response.get_json()["errors"]
    assert len(events()) == before


def test_a_visit_a_few_hours_ahead_is_accepted(client, owner):
    customer, _ = owner
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    assert visit(client, customer, kind="store", occurred_at=soon).status_code == 201


def test_a_service_visit_names_its_type_from_the_vocabulary(client, owner):
    customer, asset = owner
    missing = visit(client, customer, kind="service", asset_id=asset["id"])
    assert missing.status_code == 422 and "service_type" in missing.get_json()["errors"]
    assert "保养" in missing.get_json()["errors"]["service_type"][0]
    unknown = visit(client, customer, kind="service", service_type="首保")
    assert unknown.status_code == 422 and "service_type" in unknown.get_json()["errors"]
    done = visit(client, customer, kind="service", service_type="check", asset_id=asset["id"], odometer_km=1200)
    assert done.status_code == 201 and done.get_json()["details"]["service_type"] == "check"
    assert done.get_json()["version"] == 1 and done.get_json()["reminder_id"] is None
    in_words = visit(client, customer, kind="service", service_type="保养", asset_id=asset["id"])
    assert in_words.status_code == 201 and in_words.get_json()["details"]["service_type"] == "maintenance"
    assert "maintenance (保养)" in unknown.get_json()["errors"]["service_type"][0]


def test_a_callback_may_be_by_wechat(client, owner, events):
    customer, _ = owner
    response = visit(client, customer, kind="callback", channel="wechat", satisfaction="satisfied")
    assert response.status_code == 201
    assert of_type(events, "visit.done.v1")[-1].data["visit"]["details"]["channel"] == "wechat"


def test_an_event_visit_names_its_event_and_other_kinds_do_not(client, owner):
    customer, _ = owner
    response = visit(client, customer, kind="event", event_name="2025 春季试驾会")
    assert response.status_code == 201 and response.get_json()["details"] == {"event_name": "2025 春季试驾会"}
    wrong = visit(client, customer, kind="store", event_name="试驾会")
    assert wrong.status_code == 422 and "event_name" in wrong.get_json()["errors"]
    too_long = visit(client, customer, kind="event", event_name="会" * 201)
    assert too_long.status_code == 422 and "event_name" in too_long.get_json()["errors"]


def test_a_prospect_made_an_owner_by_an_edit_loses_the_intent_grade(client, owner, events):
    customer, _ = owner
    response = client.patch(path(customer), json={"kind": "owner"}, headers={**WRITER, "If-Match": '"1"'})
    assert response.status_code == 200 and response.get_json()["intent_grade"] is None
    assert of_type(events, "customer.updated.v1")[-1].data["changes"]["intent_grade"] == ["A", None]


@pytest.mark.parametrize("delivered_on", ["1989-12-31", (datetime.now(UTC).date() + timedelta(days=3)).isoformat()])
def test_an_asset_delivered_before_1990_or_in_the_future_is_a_422(client, new_customer, delivered_on):
    customer = new_customer()
    response = client.post(path(customer, "assets"), headers=WRITER, json={
        "kind": "vehicle", "model": "思域", "delivered_on": delivered_on})
    assert response.status_code == 422 and "delivered_on" in response.get_json()["errors"]


# --- visit corrections ---------------------------------------------------------------------------------------

@pytest.fixture
def serviced(client, owner):
    """A service visit at 5,000 km for 300.00 CNY (300 points)."""
    customer, asset = owner
    body = visit(client, customer, kind="service", service_type="repair", asset_id=asset["id"], odometer_km=5000,
                 amount="300.00", occurred_at="2024-09-01T10:00:00+08:00").get_json()
    return customer, asset, body


def correct(client, customer, visit_id, version, **body):
    return client.patch(path(customer, "visits", visit_id), json=body,
                        headers={**WRITER, "If-Match": f'"{version}"'})


def test_a_visit_is_corrected_with_its_version_kept_in_history_and_announced(client, serviced, events):
    customer, asset, recorded = serviced
    response = correct(client, customer, recorded["id"], 1, reason="其实是保养", service_type="maintenance",
                       occurred_at="2024-08-30T10:00:00+08:00", staff="zhou.sa")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["details"]["service_type"] == "maintenance" and body["staff"] == "zhou.sa"
    assert body["occurred_at"] == "2024-08-30T02:00:00+00:00" and body["kind"] == "service"
    corrected = of_type(events, "visit.corrected.v1")
    assert len(corrected) == 1 and corrected[0].subject == customer["id"]
    assert corrected[0].data["changes"] == {
        "details.service_type": ["repair", "maintenance"], "staff": [None, "zhou.sa"],
        "occurred_at": ["2024-09-01T02:00:00+00:00", "2024-08-30T02:00:00+00:00"]}
    assert corrected[0].data["reason"] == "其实是保养" and corrected[0].data["corrected_by"] == "li.si"
    assert corrected[0].data["visit"]["version"] == 2
    entry = history(client, customer)[0]
    assert entry["action"] == "visit_corrected" and entry["changes"]["reason"] == [None, "其实是保养"]
    assert entry["changes"]["details.service_type"] == ["repair", "maintenance"]
    # its reading moved to the new day
    assert [(r["km"], r["read_on"]) for r in readings(client, customer, asset) if r["voided_at"] is None][0] == (
        5000, "2024-08-30")
    assert client.get(path(customer, "visits", recorded["id"]), headers=READER).get_json() == body


def test_a_correction_on_an_old_version_is_a_409_and_one_without_version_a_428(client, serviced, events):
    customer, _, recorded = serviced
    assert correct(client, customer, recorded["id"], 1, reason="改", notes="a").status_code == 200
    stale = correct(client, customer, recorded["id"], 1, reason="改", notes="b")
    assert stale.status_code == 409 and stale.get_json()["current_version"] == 2
    unversioned = client.patch(path(customer, "visits", recorded["id"]), json={"reason": "改", "notes": "c"},
                               headers=WRITER)
    assert unversioned.status_code == 428
    assert len(of_type(events, "visit.corrected.v1")) == 1


@pytest.mark.parametrize("body,field", [
    ({"notes": "改"}, "reason"),
    ({"reason": " ", "notes": "改"}, "reason"),
    ({"reason": "改", "kind": "store"}, "kind"),
    ({"reason": "改", "occurred_at": "2031-01-01T00:00:00Z"}, "occurred_at"),
    ({"reason": "改", "occurred_at": "1980-01-01T00:00:00Z"}, "occurred_at"),
    ({"reason": "改", "occurred_at": None}, "occurred_at"),
    ({"reason": "改", "service_type": "washing"}, "service_type"),
    ({"reason": "改", "service_type": None}, "service_type"),
    ({"reason": "改", "channel": "phone"}, "channel"),
    ({"reason": "改", "odometer_km": 4}, "odometer_km"),
    ({"reason": "改", "asset_id": "6f1c1b9e-0000-4000-8000-000000000000"}, "asset_id"),
])
def test_bad_corrections_are_422s_naming_the_field(client, serviced, events, body, field):
    customer, _, recorded = serviced
    before = len(events())
    response = correct(client, customer, recorded["id"], 1, **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert len(events()) == before
    assert client.get(path(customer, "visits", recorded["id"]), headers=READER).get_json()["version"] == 1


def test_a_correction_that_changes_nothing_emits_nothing(client, serviced, events):
    customer, _, recorded = serviced
    before = len(events())
    response = correct(client, customer, recorded["id"], 1, reason="核对", staff=None, service_type="repair")
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert len(events()) == before


def test_a_visit_of_another_customer_is_404(client, serviced, new_customer):
    _, _, recorded = serviced
    other = new_customer()
    assert correct(client, other, recorded["id"], 1, reason="改", notes="x").status_code == 404
    assert client.get(path(other, "visits", recorded["id"]), headers=READER).status_code == 404


def test_a_corrected_amount_moves_the_points(client, serviced):
    customer, _, recorded = serviced
    points = path(customer, "points")
    assert client.get(points, headers=READER).get_json()["balance"] == 300
    assert correct(client, customer, recorded["id"], 1, reason="金额录错", amount="1200.00").status_code == 200
    account = client.get(points, headers=READER).get_json()
    assert account["balance"] == 1200 and sum(item["points"] for item in account["items"]) == 1200
    assert correct(client, customer, recorded["id"], 2, reason="金额又错", amount="100.00").status_code == 200
    assert client.get(points, headers=READER).get_json()["balance"] == 100


def test_a_corrected_odometer_replaces_the_visits_reading(client, serviced):
    customer, asset, recorded = serviced
    assert correct(client, customer, recorded["id"], 1, reason="少打了一位", odometer_km=50000).status_code == 200
    live = [(r["km"], r["visit_id"]) for r in readings(client, customer, asset) if r["voided_at"] is None]
    assert live == [(50000, recorded["id"]), (10, None)]
    assert client.get(path(customer, "assets", asset["id"]), headers=READER).get_json()["odometer_km"] == 50000


# --- voiding visits ------------------------------------------------------------------------------------------

def void(client, customer, what, record_id, version, reason="录错了"):
    return client.post(path(customer, what, record_id, "void"), json={"reason": reason},
                       headers={**WRITER, "If-Match": f'"{version}"'})


def test_a_voided_visit_stays_listed_marked_and_counts_nowhere(client, serviced, events):
    customer, asset, recorded = serviced
    response = void(client, customer, "visits", recorded["id"], 1, "录到了别的客户名下")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 2 and body["voided_at"] and body["void_reason"] == "录到了别的客户名下"
    voided = of_type(events, "visit.voided.v1")
    assert len(voided) == 1 and voided[0].subject == customer["id"]
    assert {k: voided[0].data[k] for k in ("visit_id", "asset_id", "kind", "reason", "voided_by", "version")} == {
        "visit_id": recorded["id"], "asset_id": asset["id"], "kind": "service", "reason": "录到了别的客户名下",
        "voided_by": "li.si", "version": 2}
    listed = client.get(path(customer, "visits"), headers=READER).get_json()
    assert listed["total"] == 1 and listed["items"][0]["voided_at"] == body["voided_at"]
    assert client.get(path(customer, "visits") + "?voided=false", headers=READER).get_json()["total"] == 0
    assert client.get(path(customer, "visits") + "?voided=true", headers=READER).get_json()["total"] == 1
    # its reading no longer counts, nor its points
    assert client.get(path(customer, "assets", asset["id"]), headers=READER).get_json()["odometer_km"] == 10
    account = client.get(path(customer, "points"), headers=READER).get_json()
    assert account["balance"] == 0 and sum(item["points"] for item in account["items"]) == 0
    entry = history(client, customer)
    assert any(item["action"] == "visit_voided" and item["changes"]["reason"] == [None, "录到了别的客户名下"]
               for item in entry)
    # a lower mileage can now be recorded by a visit
    assert visit(client, customer, kind="service", service_type="maintenance", asset_id=asset["id"],
                 odometer_km=3000, occurred_at="2024-10-01T10:00:00+08:00").status_code == 201


def test_a_voided_visit_is_not_voided_or_corrected_again(client, serviced, events):
    customer, _, recorded = serviced
    assert void(client, customer, "visits", recorded["id"], 1).status_code == 200
    assert void(client, customer, "visits", recorded["id"], 2).status_code == 409
    assert correct(client, customer, recorded["id"], 2, reason="改", notes="x").status_code == 409
    assert len(of_type(events, "visit.voided.v1")) == 1


def test_a_void_needs_a_reason_and_the_version(client, serviced):
    customer, _, recorded = serviced
    no_reason = client.post(path(customer, "visits", recorded["id"], "void"), json={},
                            headers={**WRITER, "If-Match": '"1"'})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    assert client.post(path(customer, "visits", recorded["id"], "void"), json={"reason": "x"},
                       headers=WRITER).status_code == 428
    assert void(client, customer, "visits", recorded["id"], 7).status_code == 409


def test_voiding_the_delivery_that_made_an_owner_makes_them_the_prospect_they_were(client, owner, events):
    customer, asset = owner
    delivery = visit(client, customer, kind="delivery", asset_id=asset["id"]).get_json()
    assert client.get(path(customer), headers=READER).get_json()["kind"] == "owner"
    assert void(client, customer, "visits", delivery["id"], 1, "交车录错客户").status_code == 200
    after = client.get(path(customer), headers=READER).get_json()
    assert (after["kind"], after["stage"], after["intent_grade"]) == ("prospect", "prospect", "A")
    assert of_type(events, "customer.updated.v1")[-1].data["changes"]["kind"] == ["owner", "prospect"]


def test_voiding_one_of_two_deliveries_keeps_the_owner(client, owner):
    customer, asset = owner
    first = visit(client, customer, kind="delivery", asset_id=asset["id"]).get_json()
    visit(client, customer, kind="delivery")
    assert void(client, customer, "visits", first["id"], 1).status_code == 200
    assert client.get(path(customer), headers=READER).get_json()["kind"] == "owner"


# --- assets --------------------------------------------------------------------------------------------------

def patch_asset(client, customer, asset, version, **body):
    return client.patch(path(customer, "assets", asset["id"]), json=body,
                        headers={**WRITER, "If-Match": f'"{version}"'})


def test_a_mistyped_plate_is_corrected_found_by_search_and_announced(client, owner, events):
    customer, asset = owner
    response = patch_asset(client, customer, asset, 1, plate="粤B 12345", reason="车牌录错两位")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["plate"] == "粤B 12345" and body["version"] == 2 and body["status"] == "active"
    updated = of_type(events, "asset.updated.v1")
    assert len(updated) == 1 and updated[0].subject == customer["id"]
    assert updated[0].data["changes"] == {"plate": ["粤B 12354", "粤B 12345"]}
    assert updated[0].data["reason"] == "车牌录错两位" and updated[0].data["previous_customer_id"] is None
    found = client.get("/api/v1/customers?plate=粤B12345", headers=READER).get_json()
    assert [item["id"] for item in found["items"]] == [customer["id"]]
    assert client.get("/api/v1/customers?plate=粤B12354", headers=READER).get_json()["total"] == 0
    entry = history(client, customer)[0]
    assert entry["action"] == "asset_updated" and entry["changes"]["plate"] == ["粤B 12354", "粤B 12345"]
    assert patch_asset(client, customer, asset, 1, plate="粤B 99999").status_code == 409


def test_an_asset_correction_checks_its_fields(client, owner, new_customer):
    customer, asset = owner
    other = new_customer()
    client.post(path(other, "assets"), headers=WRITER, json={"kind": "vehicle", "model": "思域", "vin": OTHER_VIN})
    taken = patch_asset(client, customer, asset, 1, vin=OTHER_VIN)
    assert taken.status_code == 409 and taken.get_json()["existing_customer_id"] == other["id"]
    for body, field in (({"vin": "X"}, "vin"), ({"delivered_on": "1985-05-01"}, "delivered_on"),
                        ({"expires_on": "2030-01-01"}, "expires_on"), ({"model": None}, "model"),
                        ({"status": "stolen"}, "status"), ({"kind": "other"}, "kind")):
        response = patch_asset(client, customer, asset, 1, **body)
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    fixed = patch_asset(client, customer, asset, 1, vin=OTHER_VIN[:-1] + "6", delivered_on="2024-02-28")
    assert fixed.status_code == 200 and fixed.get_json()["delivered_on"] == "2024-02-28"


def test_an_asset_marked_sold_or_scrapped(client, owner, events):
    customer, asset = owner
    sold = patch_asset(client, customer, asset, 1, status="sold", reason="客户卖给了外地朋友")
    assert sold.status_code == 200 and sold.get_json()["status"] == "sold"
    assert of_type(events, "asset.updated.v1")[-1].data["changes"] == {"status": ["active", "sold"]}
    assert history(client, customer)[0]["action"] == "asset_sold"
    reading = client.post(path(customer, "assets", asset["id"], "odometer-readings"), headers=WRITER,
                          json={"odometer_km": 9000})
    assert reading.status_code == 409


def test_an_odometer_typo_is_corrected_by_the_asset(client, owner, events):
    customer, asset = owner
    visit(client, customer, kind="service", service_type="maintenance", asset_id=asset["id"], odometer_km=90000,
          occurred_at="2024-06-01T10:00:00+08:00")
    response = patch_asset(client, customer, asset, 1, odometer_km=9000, reason="多打了一个0")
    assert response.status_code == 200 and response.get_json()["odometer_km"] == 9000
    assert of_type(events, "asset.updated.v1")[-1].data["changes"] == {"odometer_km": [90000, 9000]}
    recorded = of_type(events, "odometer.recorded.v1")
    assert len(recorded) == 1 and recorded[0].data["odometer_km"] == 9000 and recorded[0].data["correction"] is True
    live = [r["km"] for r in readings(client, customer, asset) if r["voided_at"] is None]
    assert live == [9000, 10]


def test_an_asset_is_transferred_to_another_of_our_customers(client, owner, new_customer, events):
    customer, asset = owner
    buyer = new_customer(kind="owner")
    response = client.post(path(customer, "assets", asset["id"], "transfer"), headers={**WRITER, "If-Match": '"1"'},
                           json={"to_customer_id": buyer["id"], "reason": "二手转给朋友"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["customer_id"] == buyer["id"] and response.get_json()["odometer_km"] == 10
    event = of_type(events, "asset.updated.v1")[-1]
    assert event.subject == buyer["id"] and event.data["customer_id"] == buyer["id"]
    assert event.data["previous_customer_id"] == customer["id"]
    assert event.data["changes"] == {"customer_id": [customer["id"], buyer["id"]]}
    assert client.get(path(customer, "assets"), headers=READER).get_json()["total"] == 0
    assert client.get(path(buyer, "assets"), headers=READER).get_json()["items"][0]["id"] == asset["id"]
    assert history(client, customer)[0]["action"] == "asset_transferred_out"
    assert history(client, buyer)[0]["action"] == "asset_transferred_in"
    # the former owner can no longer write to it
    assert patch_asset(client, customer, asset, 2, plate="粤B 1").status_code == 404


def test_a_transfer_to_nobody_or_to_oneself_is_a_422(client, owner):
    customer, asset = owner
    for target in ("6f1c1b9e-0000-4000-8000-000000000000", customer["id"]):
        response = client.post(path(customer, "assets", asset["id"], "transfer"),
                               headers={**WRITER, "If-Match": '"1"'}, json={"to_customer_id": target})
        assert response.status_code == 422 and "to_customer_id" in response.get_json()["errors"]


def test_a_transfer_to_another_stores_customer_is_a_404_for_a_store_agent(client):
    admin = auth_headers("admin", "root")
    for store_id in ("sh01", "bj01"):
        client.post("/api/v1/stores", headers=admin, json={"id": store_id, "name": store_id})
    sh = auth_headers("agent", "li.si", stores=("sh01",))
    mine = client.post("/api/v1/customers", headers=sh, json={"name": "甲", "phone": "13900001111",
                                                              "kind": "owner"}).get_json()
    theirs = client.post("/api/v1/customers", headers=admin, json={"name": "乙", "phone": "13900002222",
                                                                   "kind": "owner", "store_id": "bj01"}).get_json()
    asset = client.post(path(mine, "assets"), headers=sh, json={"kind": "vehicle", "model": "思域"}).get_json()
    response = client.post(path(mine, "assets", asset["id"], "transfer"), headers={**sh, "If-Match": '"1"'},
                           json={"to_customer_id": theirs["id"]})
    assert response.status_code == 404


def test_an_asset_registered_by_mistake_is_voided_and_its_vin_freed(client, owner, new_customer, events):
    customer, asset = owner
    response = void(client, customer, "assets", asset["id"], 1, "登记错了客户")
    assert response.status_code == 200 and response.get_json()["voided_at"]
    voided = of_type(events, "asset.voided.v1")
    assert len(voided) == 1 and voided[0].data["asset_id"] == asset["id"] and voided[0].subject == customer["id"]
    assert client.get(path(customer, "assets"), headers=READER).get_json()["total"] == 0
    listed = client.get(path(customer, "assets") + "?include_voided=true", headers=READER).get_json()
    assert listed["total"] == 1 and listed["items"][0]["void_reason"] == "登记错了客户"
    assert client.get(f"/api/v1/customers?vin={VIN}", headers=READER).get_json()["total"] == 0
    right = new_customer()
    again = client.post(path(right, "assets"), headers=WRITER, json={"kind": "vehicle", "model": "雅阁", "vin": VIN})
    assert again.status_code == 201
    assert visit(client, customer, kind="store", asset_id=asset["id"]).status_code == 422
    assert patch_asset(client, customer, asset, 2, model="x").status_code == 409
    assert history(client, customer)[0]["action"] == "asset_voided"


# --- odometer readings on their own --------------------------------------------------------------------------

def reading(client, customer, asset, **body):
    return client.post(path(customer, "assets", asset["id"], "odometer-readings"), headers=WRITER, json=body)


def test_a_reading_on_its_own_is_kept_and_announced(client, owner, events):
    customer, asset = owner
    response = reading(client, customer, asset, odometer_km=2860, read_at="2024-06-10T10:58:00+08:00")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["read_on"] == "2024-06-10" and response.get_json()["source"] == "reading"
    recorded = of_type(events, "odometer.recorded.v1")
    assert len(recorded) == 1 and recorded[0].subject == customer["id"]
    assert {k: recorded[0].data[k] for k in ("asset_id", "odometer_km", "read_at", "source", "recorded_by")} == {
        "asset_id": asset["id"], "odometer_km": 2860, "read_at": "2024-06-10T02:58:00+00:00", "source": "reading",
        "recorded_by": "li.si"}
    assert client.get(path(customer, "assets", asset["id"]), headers=READER).get_json()["odometer_km"] == 2860
    assert history(client, customer)[0]["action"] == "odometer_recorded"


def test_a_lower_reading_is_a_422_unless_it_is_a_correction(client, owner, events):
    customer, asset = owner
    reading(client, customer, asset, odometer_km=28600, read_at="2024-06-10T10:00:00+08:00")
    lower = reading(client, customer, asset, odometer_km=2900, read_at="2024-07-01T10:00:00+08:00")
    assert lower.status_code == 422 and "odometer_km" in lower.get_json()["errors"]
    assert len(of_type(events, "odometer.recorded.v1")) == 1
    fixed = reading(client, customer, asset, odometer_km=2900, read_at="2024-07-01T10:00:00+08:00", correction=True)
    assert fixed.status_code == 201 and fixed.get_json()["correction"] is True
    assert of_type(events, "odometer.recorded.v1")[-1].data["correction"] is True
    listed = readings(client, customer, asset)
    assert [(r["km"], r["voided_at"] is None) for r in listed] == [(2900, True), (28600, False), (10, True)]


@pytest.mark.parametrize("body,field", [
    ({"odometer_km": -1}, "odometer_km"), ({}, "odometer_km"),
    ({"odometer_km": 100, "read_at": "2040-01-01T00:00:00Z"}, "read_at"),
    ({"odometer_km": 100, "read_at": "1970-01-01T00:00:00Z"}, "read_at"),
])
def test_bad_readings_are_422s(client, owner, body, field):
    customer, asset = owner
    response = reading(client, customer, asset, **body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_a_reading_of_something_that_is_no_vehicle_is_a_422(client, new_customer):
    customer = new_customer()
    unit = client.post(path(customer, "assets"), headers=WRITER,
                       json={"kind": "property_unit", "description": "3栋"}).get_json()
    response = reading(client, customer, unit, odometer_km=100)
    assert response.status_code == 422 and "odometer_km" in response.get_json()["errors"]


# --- the upgrade reads the free text staff typed into the vocabulary -----------------------------------------

def test_the_upgrade_reads_free_text_service_types_into_the_vocabulary():
    spec = importlib.util.spec_from_file_location("m0011", MIGRATIONS / "versions" / "0011_corrections.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [module.service_type_of(text) for text in ("首保", "保养", "定期保养", "更换刹车片维修", "年检",
                                                        "胎压检查", "三包保修", "召回", "事故车钣喷", "洗车",
                                                        "Maintenance")] == [
        "maintenance", "maintenance", "maintenance", "repair", "inspection", "check", "warranty", "recall",
        "accident", "other", "maintenance"]


def test_an_erasure_removes_the_reasons_and_plates_of_corrections(client, serviced, events):
    customer, asset, recorded = serviced
    patch_asset(client, customer, asset, 1, plate="粤B 12345", reason="张伟说车牌错了")
    void(client, customer, "visits", recorded["id"], 1, "张伟说不是他")
    manager = auth_headers("manager", "zhao.jl")
    assert client.post(path(customer, "erasure"), headers=manager).status_code in (200, 201)
    entries = history(client, customer)
    text = str(entries) + str([event.data for event in events()])
    assert "张伟说" not in text and "粤B 12345" not in text and "粤B 12354" not in text
    listed = client.get(path(customer, "visits"), headers=READER).get_json()["items"]
    assert listed[0]["void_reason"] is None and listed[0]["voided_at"]


@pytest.mark.parametrize("km", ["4200", 4200.5, True])
def test_a_reading_is_a_whole_number_of_km(client, owner, km):
    customer, asset = owner
    refused = reading(client, customer, asset, odometer_km=km)
    assert refused.status_code == 422 and "odometer_km" in refused.get_json()["errors"]
    assert [item["km"] for item in readings(client, customer, asset)] == [10]
