"""Corrections announced by the customer service (a visit corrected or voided, a vehicle changed, sold,
transferred or voided, an odometer read on its own) re-plan the customer's reminders; only a maintenance counts
as a maintenance."""
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def reminders_of(client, customer_id, **filters):
    query = "&".join(f"{name}={value}" for name, value in {"customer_id": customer_id, "page_size": 200,
                                                            **filters}.items())
    response = client.get(f"/api/v1/reminders?{query}", headers=AGENT)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def scheduled(client, customer_id, rule):
    return [item for item in reminders_of(client, customer_id, rule=rule) if item["status"] == "scheduled"]


def local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def service(feed, example):
    """Record a visit with the details given; returns the visit as sent (for corrections)."""
    def record(customer_id, occurred_at, asset_id=None, kind="service", **details):
        data = example("visit.done.v1")
        visit = {**data["visit"], "id": str(uuid.uuid4()), "customer_id": customer_id, "kind": kind,
                 "occurred_at": occurred_at.isoformat(), "asset_id": asset_id,
                 "details": {name: value for name, value in details.items() if value is not None}, "version": 1}
        assert feed("visit.done.v1", {"customer_id": customer_id, "visit": visit}) == "applied"
        return visit
    return record


@pytest.fixture
def correct(feed, example):
    def send(visit, event_id=None, **changes):
        data = example("visit.corrected.v1")
        corrected = {**visit, **changes}
        data.update(customer_id=visit["customer_id"], visit=corrected,
                    changes={name: [visit.get(name), value] for name, value in changes.items()})
        return feed("visit.corrected.v1", data, event_id=event_id)
    return send


@pytest.fixture
def update_asset(feed, example, today):
    def send(customer_id, asset_id, version, previous_customer_id=None, **asset):
        data = example("asset.updated.v1")
        data["asset"].update(id=asset_id, customer_id=customer_id, version=version, delivered_on=today.isoformat(),
                             **asset)
        data.update(customer_id=customer_id, previous_customer_id=previous_customer_id,
                    changes={name: [None, value] for name, value in asset.items()})
        return feed("asset.updated.v1", data)
    return send


def test_a_visit_dated_in_the_future_and_corrected_moves_the_lost_customer_and_last_service_back(
        client, customer, vehicle, service, correct, today):
    customer_id = customer(kind="owner", stage="owner")
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=200)).isoformat())
    wrong = local_noon(date(2030, 1, 1))
    visit = service(customer_id, wrong, asset_id, odometer_km=8_000, service_type="maintenance")
    [lost] = scheduled(client, customer_id, "lost_customer")
    assert "2030-01-01" in lost["reason"] and lost["due_at"].startswith("2030-07-01")
    [upkeep] = scheduled(client, customer_id, "next_maintenance")
    assert "2030-01-01" in upkeep["reason"]

    right = local_noon(today - timedelta(days=10))
    assert correct(visit, occurred_at=right.isoformat(), version=2) == "applied"
    [lost] = scheduled(client, customer_id, "lost_customer")
    assert str(today - timedelta(days=10)) in lost["reason"] and not lost["due_at"].startswith("2030")
    [upkeep] = scheduled(client, customer_id, "next_maintenance")
    assert str(today - timedelta(days=10)) in upkeep["reason"] and "2030" not in upkeep["reason"]
    cancelled = [item for item in reminders_of(client, customer_id, rule="lost_customer")
                 if item["status"] == "cancelled"]
    assert cancelled and "corrected" in cancelled[0]["cancel_reason"]


def test_a_win_back_task_that_fired_on_a_wrong_date_is_withdrawn_when_the_visit_is_corrected(
        client, customer, service, correct, run_scheduler, today):
    customer_id = customer(kind="owner", stage="owner")
    visit = service(customer_id, local_noon(today - timedelta(days=200)), kind="store")
    run_scheduler(datetime.now(UTC))
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&rule=lost_customer",
                        headers=AGENT).get_json()["items"]
    assert task["status"] == "due"

    assert correct(visit, occurred_at=local_noon(today - timedelta(days=1)).isoformat(), version=2) == "applied"
    assert client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&rule=lost_customer",
                      headers=AGENT).get_json()["items"] == [], "the customer came yesterday: nobody to win back"
    [withdrawn] = [item for item in reminders_of(client, customer_id, rule="lost_customer") if item["id"] == task["id"]]
    assert withdrawn["status"] == "cancelled" and "corrected" in withdrawn["cancel_reason"]
    [planned] = scheduled(client, customer_id, "lost_customer")
    assert str(today - timedelta(days=1)) in planned["reason"]


def test_a_correction_applies_once_and_an_older_version_changes_nothing(client, customer, vehicle, service,
                                                                         correct, feed, example, today):
    customer_id = customer(kind="owner", stage="owner")
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=200)).isoformat())
    visit = service(customer_id, local_noon(today - timedelta(days=20)), asset_id, odometer_km=8_000,
                    service_type="maintenance")
    event_id = str(uuid.uuid4())
    third = local_noon(today - timedelta(days=5))
    assert correct(visit, event_id=event_id, occurred_at=third.isoformat(), version=3) == "applied"
    after = reminders_of(client, customer_id)
    assert correct(visit, event_id=event_id, occurred_at=third.isoformat(), version=3) == "duplicate"
    # version 2 (an earlier correction) and the first record arriving late change nothing
    assert correct(visit, occurred_at=local_noon(date(2030, 1, 1)).isoformat(), version=2) == "applied"
    late = example("visit.done.v1")
    late.update(customer_id=customer_id, visit={**visit, "occurred_at": local_noon(date(2030, 1, 1)).isoformat()})
    assert feed("visit.done.v1", late) == "applied"
    assert reminders_of(client, customer_id) == after
    [upkeep] = scheduled(client, customer_id, "next_maintenance")
    assert str(today - timedelta(days=5)) in upkeep["reason"]


def test_a_voided_visit_counts_for_nothing(client, customer, vehicle, service, feed, example, today):
    customer_id = customer(kind="owner", stage="owner")
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=30)).isoformat(), odometer_km=10)
    visit = service(customer_id, local_noon(today - timedelta(days=1)), asset_id, odometer_km=1_500,
                    service_type="maintenance")
    assert scheduled(client, customer_id, "first_maintenance") == []
    assert scheduled(client, customer_id, "next_maintenance")
    data = example("visit.voided.v1")
    data.update(customer_id=customer_id, visit_id=visit["id"], asset_id=asset_id, version=2)
    event_id = str(uuid.uuid4())
    assert feed("visit.voided.v1", data, event_id=event_id) == "applied"
    assert scheduled(client, customer_id, "next_maintenance") == []
    [first] = scheduled(client, customer_id, "first_maintenance")
    assert "1,500" not in first["reason"]  # its reading went with it
    assert scheduled(client, customer_id, "lost_customer") == []  # the visit was the only one
    assert feed("visit.voided.v1", data, event_id=event_id) == "duplicate"
    late = example("visit.done.v1")
    late.update(customer_id=customer_id, visit=visit)
    assert feed("visit.done.v1", late) == "applied"  # delivered again later: still voided
    assert scheduled(client, customer_id, "next_maintenance") == []


def test_only_a_maintenance_cancels_the_first_maintenance_other_service_visits_give_a_reading(
        client, customer, vehicle, service, today):
    customer_id = customer()
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=30)).isoformat(), odometer_km=10)
    [before] = scheduled(client, customer_id, "first_maintenance")
    service(customer_id, local_noon(today - timedelta(days=1)), asset_id, odometer_km=1_200, service_type="check")
    [after] = scheduled(client, customer_id, "first_maintenance")
    assert after["id"] == before["id"] and after["due_at"] < before["due_at"]  # the reading brought it closer
    assert "1,190 km" in after["reason"] or "1,200" in after["reason"] or after["confidence"] > 0
    assert scheduled(client, customer_id, "next_maintenance") == []
    service(customer_id, local_noon(today), asset_id, odometer_km=1_250, service_type="repair")
    assert len(scheduled(client, customer_id, "first_maintenance")) == 1
    service(customer_id, local_noon(today), asset_id, odometer_km=1_260, service_type="maintenance")
    assert scheduled(client, customer_id, "first_maintenance") == []
    assert len(scheduled(client, customer_id, "next_maintenance")) == 1


def test_an_odometer_reading_brings_the_3000_km_first_maintenance_forward(client, customer, vehicle, feed,
                                                                           example, today):
    customer_id = customer()
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=30)).isoformat(), odometer_km=10)
    [before] = scheduled(client, customer_id, "first_maintenance")
    data = example("odometer.recorded.v1")
    data.update(customer_id=customer_id, asset_id=asset_id, odometer_km=2_800,
                read_at=local_noon(today).isoformat())
    assert feed("odometer.recorded.v1", data) == "applied"
    [after] = scheduled(client, customer_id, "first_maintenance")
    due = datetime.fromisoformat(after["due_at"]).astimezone(SHANGHAI).date()
    assert due < datetime.fromisoformat(before["due_at"]).astimezone(SHANGHAI).date()
    assert (due - today).days <= 5 and "3,000 km" in after["reason"]
    assert feed("odometer.recorded.v1", data) == "applied"  # the same reading sent again: nothing changes
    assert scheduled(client, customer_id, "first_maintenance") == [after]


def test_a_plate_correction_shows_in_the_lists(client, customer, vehicle, update_asset):
    customer_id = customer()
    asset_id = vehicle(customer_id)
    assert update_asset(customer_id, asset_id, 2, plate="粤B·D99999") == "applied"
    [callback] = scheduled(client, customer_id, "delivery_callback_3d")
    assert callback["vehicle"]["plate"] == "粤B·D99999" and callback["status"] == "scheduled"
    assert "粤B·D99999" in callback["reason_text"]
    assert update_asset(customer_id, asset_id, 1, plate="粤B·OLD") == "applied"  # older: nothing changes
    assert scheduled(client, customer_id, "delivery_callback_3d")[0]["vehicle"]["plate"] == "粤B·D99999"


@pytest.mark.parametrize("status", ["sold", "scrapped"])
def test_a_vehicle_sold_or_scrapped_gets_no_more_reminders(client, customer, vehicle, update_asset, run_scheduler,
                                                            status):
    customer_id = customer()
    asset_id = vehicle(customer_id)
    run_scheduler(datetime.now(UTC) + timedelta(days=3.5))
    open_tasks = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert open_tasks
    assert update_asset(customer_id, asset_id, 2, status=status) == "applied"
    mine = reminders_of(client, customer_id, asset_id=asset_id)
    assert mine and all(item["status"] in ("cancelled", "done") for item in mine)
    assert client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"] == []
    assert any("车辆已" in (item["cancel_reason"] or "") for item in mine)


def test_a_transferred_vehicle_takes_its_reminders_to_the_new_owner(client, customer, vehicle, update_asset):
    seller, buyer = customer(), customer(owner="zhou.sa")
    asset_id = vehicle(seller)
    before = {item["rule"]: item for item in reminders_of(client, seller, asset_id=asset_id, status="scheduled")}
    assert "delivery_callback_1m" in before
    assert update_asset(buyer, asset_id, 2, previous_customer_id=seller) == "applied"
    assert reminders_of(client, seller, asset_id=asset_id, status="scheduled") == []
    after = {item["rule"]: item for item in reminders_of(client, buyer, asset_id=asset_id, status="scheduled")}
    assert set(after) == set(before)
    assert after["delivery_callback_1m"]["id"] == before["delivery_callback_1m"]["id"]
    assert after["delivery_callback_1m"]["owner"] == "zhou.sa"


def test_a_voided_vehicle_is_forgotten(client, customer, vehicle, feed, example):
    customer_id = customer()
    asset_id = vehicle(customer_id)
    assert reminders_of(client, customer_id, asset_id=asset_id, status="scheduled")
    data = example("asset.voided.v1")
    data.update(customer_id=customer_id, asset_id=asset_id)
    assert feed("asset.voided.v1", data) == "applied"
    assert reminders_of(client, customer_id, asset_id=asset_id, status="scheduled") == []
    late = example("asset.registered.v1")
    late["customer_id"] = customer_id
    late["asset"].update(id=asset_id, customer_id=customer_id)
    assert feed("asset.registered.v1", late) == "applied"
    assert reminders_of(client, customer_id, asset_id=asset_id, status="scheduled") == []


def test_older_service_types_in_words_are_read_too():
    from reminder.domain.planning_facts import counts_as_maintenance

    assert counts_as_maintenance(None) and counts_as_maintenance("maintenance") and counts_as_maintenance("首次保养")
    assert not any(counts_as_maintenance(kind) for kind in ("repair", "check", "Warranty", "维修", "检查", "召回"))
