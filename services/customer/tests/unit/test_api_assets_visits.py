"""Assets, odometer readings and visits over HTTP."""
import pytest
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
VIN = "LSVAU2180N2183294"


@pytest.fixture
def car_owner(client, new_customer):
    """A prospect with a registered car (10 km on delivery day)."""
    customer = new_customer(intent_grade="A", wanted_model="雅阁")
    response = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER, json={
        "kind": "vehicle", "model": "雅阁 2024", "plate": "粤B 12345", "vin": VIN.lower(),
        "delivered_on": "2024-03-01", "odometer_km": 10})
    assert response.status_code == 201
    return customer, response.get_json()


def visit(client, customer_id, **body):
    return client.post(f"/api/v1/customers/{customer_id}/visits", json=body, headers=WRITER)


def test_register_a_vehicle_and_list_it(client, car_owner):
    customer, asset = car_owner
    assert asset["vin"] == VIN and asset["odometer_km"] == 10 and asset["model"] == "雅阁 2024"
    listing = client.get(f"/api/v1/customers/{customer['id']}/assets", headers=READER).get_json()
    assert listing["total"] == 1 and listing["items"][0] == asset


def test_other_kinds_of_asset(client, new_customer):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/assets"
    contract = client.post(path, headers=WRITER, json={"kind": "service_contract", "description": "三年延保",
                                                       "expires_on": "2027-06-30"})
    assert contract.status_code == 201 and contract.get_json()["expires_on"] == "2027-06-30"
    unit = client.post(path, headers=WRITER, json={"kind": "property_unit", "description": "3栋2单元1201"})
    assert unit.status_code == 201
    bad = client.post(path, headers=WRITER, json={"kind": "property_unit", "description": "x", "vin": VIN})
    assert bad.status_code == 422 and "vin" in bad.get_json()["errors"]
    assert client.get(path, headers=READER).get_json()["total"] == 2


@pytest.mark.parametrize("vin", ["LSVAU2180N218329", "LSVAU2180N2183I94"])
def test_invalid_vin_is_a_422(client, new_customer, vin, events):
    customer = new_customer()
    before = len(events())
    response = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER,
                           json={"kind": "vehicle", "model": "思域", "vin": vin})
    assert response.status_code == 422 and "vin" in response.get_json()["errors"]
    assert len(events()) == before


def test_same_vin_twice_is_a_409_naming_the_holder(client, car_owner, new_customer):
    customer, asset = car_owner
    other = new_customer()
    response = client.post(f"/api/v1/customers/{other['id']}/assets", headers=WRITER,
                           json={"kind": "vehicle", "model": "雅阁", "vin": VIN})
    assert response.status_code == 409
    assert response.get_json()["existing_asset_id"] == asset["id"]
    assert response.get_json()["existing_customer_id"] == customer["id"]
    assert client.get(f"/api/v1/customers/{other['id']}/assets", headers=READER).get_json()["total"] == 0


def test_asset_of_unknown_customer_is_404(client):
    response = client.post("/api/v1/customers/6f1c1b9e-0000-4000-8000-000000000000/assets", headers=WRITER,
                           json={"kind": "other", "description": "x"})
    assert response.status_code == 404


def test_delivery_turns_the_prospect_into_an_owner_with_history_and_event(client, car_owner, events):
    customer, asset = car_owner
    response = visit(client, customer["id"], kind="delivery", asset_id=asset["id"], staff="li.si")
    assert response.status_code == 201
    after = client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json()
    assert (after["kind"], after["stage"], after["version"]) == ("owner", "owner", 2)
    updated = [e for e in events() if e.type == "customer.updated.v1"]
    assert len(updated) == 1
    # a prospect who became an owner is no longer graded on intent
    assert updated[0].data["changes"] == {"kind": ["prospect", "owner"], "stage": ["prospect", "owner"],
                                          "intent_grade": ["A", None]}
    assert after["intent_grade"] is None
    assert updated[0].data["version"] == 2 and updated[0].subject == customer["id"]
    history = client.get(f"/api/v1/customers/{customer['id']}/history", headers=READER).get_json()["items"]
    assert history[0]["action"] == "stage_changed" and history[0]["actor"] == "li.si"


def test_a_second_delivery_changes_nothing_more(client, car_owner, events):
    customer, asset = car_owner
    visit(client, customer["id"], kind="delivery")
    visit(client, customer["id"], kind="delivery")
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json()["version"] == 2
    assert len([e for e in events() if e.type == "customer.updated.v1"]) == 1


def test_service_visit_adds_an_odometer_reading_and_keeps_the_amount_exact(client, car_owner):
    customer, asset = car_owner
    response = visit(client, customer["id"], kind="service", asset_id=asset["id"], odometer_km=5000,
                     amount="1280.5", service_type="maintenance", occurred_at="2024-09-01T10:00:00+08:00")
    assert response.status_code == 201
    body = response.get_json()
    assert body["details"] == {"odometer_km": 5000, "amount": "1280.50", "service_type": "maintenance"}
    readings = client.get(f"/api/v1/customers/{customer['id']}/assets/{asset['id']}/odometer",
                          headers=READER).get_json()
    assert [(r["km"], r["read_on"]) for r in readings["items"]] == [(5000, "2024-09-01"), (10, "2024-03-01")]
    assert client.get(f"/api/v1/customers/{customer['id']}/assets", headers=READER
                      ).get_json()["items"][0]["odometer_km"] == 5000


def test_odometer_going_backwards_is_a_422_and_records_nothing(client, car_owner, events):
    customer, asset = car_owner
    visit(client, customer["id"], kind="service", asset_id=asset["id"], odometer_km=5000, service_type="maintenance",
          occurred_at="2024-09-01T10:00:00Z")
    before = len(events())
    response = visit(client, customer["id"], kind="service", asset_id=asset["id"], odometer_km=4000,
                     service_type="repair", occurred_at="2024-10-01T10:00:00Z")
    assert response.status_code == 422 and "odometer_km" in response.get_json()["errors"]
    assert "backwards" in response.get_json()["errors"]["odometer_km"][0]
    assert client.get(f"/api/v1/customers/{customer['id']}/visits", headers=READER).get_json()["total"] == 1
    assert len(events()) == before


def test_odometer_without_a_vehicle_is_a_422(client, car_owner):
    customer, _ = car_owner
    response = visit(client, customer["id"], kind="service", odometer_km=100, service_type="check")
    assert response.status_code == 422 and "asset_id" in response.get_json()["errors"]


def test_callback_with_satisfaction_and_scores(client, car_owner):
    customer, _ = car_owner
    response = visit(client, customer["id"], kind="callback", channel="phone", satisfaction="very_satisfied",
                     scores={"服务态度": 5, "维修质量": 4}, notes="客户很满意")
    assert response.status_code == 201
    assert response.get_json()["details"]["scores"] == {"服务态度": 5, "维修质量": 4}


@pytest.mark.parametrize("body,field", [
    ({"kind": "callback", "channel": "phone"}, "satisfaction"),
    ({"kind": "callback", "channel": "pigeon", "satisfaction": "neutral"}, "channel"),
    ({"kind": "callback", "channel": "sms", "satisfaction": "great"}, "satisfaction"),
    ({"kind": "store", "outcome": "签约"}, "outcome"),
    ({"kind": "service", "amount": "-1"}, "amount"),
    ({"kind": "service", "amount": "abc"}, "amount"),
    ({"kind": "picnic"}, "kind"),
    ({"kind": "store", "occurred_at": "yesterday"}, "occurred_at"),
    ({"kind": "store", "asset_id": "6f1c1b9e-0000-4000-8000-000000000000"}, "asset_id"),
])
def test_bad_visits_are_422s_naming_the_field(client, car_owner, body, field, events):
    customer, _ = car_owner
    before = len(events())
    response = visit(client, customer["id"], **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert len(events()) == before


def test_visits_are_listed_newest_first(client, car_owner):
    customer, _ = car_owner
    for day, kind in (("2024-01-01", "store"), ("2024-03-01", "sales_call"), ("2024-02-01", "event")):
        assert visit(client, customer["id"], kind=kind, occurred_at=f"{day}T09:00:00Z").status_code == 201
    body = client.get(f"/api/v1/customers/{customer['id']}/visits?page_size=2", headers=READER).get_json()
    assert body["total"] == 3 and [v["kind"] for v in body["items"]] == ["sales_call", "event"]


def test_visit_emits_visit_done_with_kind_and_details(client, car_owner, events):
    customer, asset = car_owner
    visit(client, customer["id"], kind="sales_call", purpose="介绍新车型", outcome="约好试驾")
    done = [e for e in events() if e.type == "visit.done.v1"]
    assert len(done) == 1 and done[0].subject == customer["id"]
    assert done[0].data["visit"]["kind"] == "sales_call"
    assert done[0].data["visit"]["details"] == {"purpose": "介绍新车型", "outcome": "约好试驾"}


def test_writes_need_the_write_role_and_reads_need_a_token(client, car_owner):
    customer, asset = car_owner
    response = client.post(f"/api/v1/customers/{customer['id']}/visits", json={"kind": "store"}, headers=READER)
    assert response.status_code == 403
    response = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=READER,
                           json={"kind": "other", "description": "x"})
    assert response.status_code == 403
    assert client.get(f"/api/v1/customers/{customer['id']}/visits").status_code == 401
    assert client.get(f"/api/v1/customers/{customer['id']}/visits", headers=READER).get_json()["total"] == 0


def test_odometer_of_someone_elses_asset_is_404(client, car_owner, new_customer):
    _, asset = car_owner
    other = new_customer()
    assert client.get(f"/api/v1/customers/{other['id']}/assets/{asset['id']}/odometer",
                      headers=READER).status_code == 404


def test_visit_time_is_kept_in_utc_and_the_reading_on_the_local_day(client, car_owner):
    customer, asset = car_owner
    body = visit(client, customer["id"], kind="service", asset_id=asset["id"], odometer_km=800,
                 service_type="maintenance", occurred_at="2024-09-01T07:00:00+08:00").get_json()
    assert body["occurred_at"] == "2024-08-31T23:00:00+00:00"
    readings = client.get(f"/api/v1/customers/{customer['id']}/assets/{asset['id']}/odometer",
                          headers=READER).get_json()["items"]
    assert readings[0]["read_on"] == "2024-09-01"
    listed = client.get(f"/api/v1/customers/{customer['id']}/visits", headers=READER).get_json()["items"][0]
    assert listed["occurred_at"] == body["occurred_at"]
