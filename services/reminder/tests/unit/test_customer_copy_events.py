"""Events of the customer and complaint services keep this service's copy and plan the reminders."""
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def reminders_of(client, customer_id, **filters):
    query = "&".join(f"{name}={value}" for name, value in {"customer_id": customer_id, "page_size": 200,
                                                            **filters}.items())
    response = client.get(f"/api/v1/reminders?{query}", headers=AGENT)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def by_rule(items):
    return {item["rule"]: item for item in items}


def test_a_delivery_plans_the_callbacks_and_the_first_maintenance(client, customer, vehicle, today):
    customer_id = customer()
    vehicle(customer_id)
    scheduled = by_rule(reminders_of(client, customer_id, status="scheduled"))
    assert {"delivery_callback_3d", "delivery_callback_1m", "first_maintenance"} <= set(scheduled)
    three = scheduled["delivery_callback_3d"]
    due = today + timedelta(days=3)
    assert three["due_at"] == f"{due}T01:00:00+00:00"  # 09:00 in Shanghai
    assert three["reason"] == f"callback 3 days after delivery of 粤B·D12345 on {today} → due {due}"
    assert three["owner"] == "li.si" and three["task"] is True
    assert "3 months since delivery" in scheduled["first_maintenance"]["reason"]


def test_the_same_event_twice_is_applied_once(example, client, feed, customer):
    customer_id = customer()
    data = example("asset.registered.v1")
    data["customer_id"] = customer_id
    data["asset"].update(customer_id=customer_id, delivered_on=datetime.now(UTC).date().isoformat())
    event_id = str(uuid.uuid4())
    assert feed("asset.registered.v1", data, event_id=event_id) == "applied"
    first = reminders_of(client, customer_id)
    assert feed("asset.registered.v1", data, event_id=event_id) == "duplicate"
    assert reminders_of(client, customer_id) == first


def test_a_service_visit_cancels_the_first_maintenance_and_plans_the_next(client, customer, vehicle, visit, today):
    customer_id = customer()
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=30)).isoformat(), odometer_km=10)
    # an hour ago, but today in Shanghai (where the business is) even just after its midnight
    occurred = max(datetime.now(UTC) - timedelta(hours=1), datetime.combine(today, time(), ZoneInfo("Asia/Shanghai")))
    visit(customer_id, "service", occurred, asset_id, odometer_km=1_510)
    items = reminders_of(client, customer_id, rule_kind="first_maintenance")
    assert [item["status"] for item in items] == ["cancelled"]
    assert items[0]["cancel_reason"] == f"no longer needed: service visit on {today}"
    [following] = reminders_of(client, customer_id, rule_kind="next_maintenance")
    assert following["status"] == "scheduled"
    assert following["reason"].startswith(f"next maintenance: about 0 km since last service on {today} at 50 km/day")
    assert following["confidence"] == 0.25


def test_a_later_reading_moves_the_next_maintenance(client, customer, vehicle, visit, today):
    customer_id = customer()
    asset_id = vehicle(customer_id, delivered_on=(today - timedelta(days=200)).isoformat(), odometer_km=10)
    visit(customer_id, "service", datetime.now(UTC) - timedelta(days=100), asset_id, odometer_km=3_010)
    [before] = reminders_of(client, customer_id, rule_kind="next_maintenance")
    # a store visit does not read the odometer; a second service does, and starts a new interval
    visit(customer_id, "service", datetime.now(UTC) - timedelta(hours=2), asset_id, odometer_km=6_010)
    items = by_rule(reminders_of(client, customer_id, rule_kind="next_maintenance", status="scheduled"))
    assert items["next_maintenance"]["id"] != before["id"]
    assert [item["status"] for item in reminders_of(client, customer_id, rule_kind="next_maintenance")
            if item["id"] == before["id"]] == ["cancelled"]


def test_events_about_an_unknown_customer_wait_for_the_customer(example, client, feed, vehicle, today):
    customer_id = str(uuid.uuid4())
    vehicle(customer_id)  # before customer.created: kept, planned without an owner
    assert by_rule(reminders_of(client, customer_id))["delivery_callback_3d"]["owner"] is None
    data = example("customer.created.v1")
    data.update(id=customer_id, created_at=datetime.now(UTC).isoformat())
    feed("customer.created.v1", data)
    assert by_rule(reminders_of(client, customer_id))["delivery_callback_3d"]["owner"] == "li.si"


def test_an_older_customer_update_is_ignored(client, feed, customer):
    customer_id = customer()
    feed("customer.updated.v1", {"id": customer_id, "version": 3, "owner": "wang.wu", "changes": {}})
    feed("customer.updated.v1", {"id": customer_id, "version": 2, "owner": "zhao.liu", "changes": {}})
    assert {item["owner"] for item in reminders_of(client, customer_id, status="scheduled")} == {"wang.wu"}


def test_a_resolved_complaint_plans_a_callback_and_the_recorded_callback_ends_it(example, client, feed, customer):
    customer_id = customer()
    resolved = example("complaint.resolved.v1")
    resolved.update(customer_id=customer_id, occurred_at=datetime.now(UTC).isoformat())
    resolved["sla"]["first_callback"]["due_at"] = later(5).isoformat()
    feed("complaint.resolved.v1", resolved)
    [callback] = reminders_of(client, customer_id, rule_kind="complaint_callback")
    assert callback["status"] == "scheduled" and callback["owner"] == "zhao.liu"
    assert "(24 hours after resolution)" in callback["reason"]
    recorded = example("complaint.callback_recorded.v1")
    recorded.update(customer_id=customer_id, occurred_at=later(0.01).isoformat())
    feed("complaint.callback_recorded.v1", recorded)
    [done] = reminders_of(client, customer_id, rule_kind="complaint_callback")
    assert done["status"] == "cancelled"
    assert done["cancel_reason"] == f"no longer needed: complaint {resolved['complaint_id']} callback"


def test_merge_moves_everything_to_the_survivor_and_the_undo_moves_it_back(client, feed, customer, vehicle):
    survivor, merged = customer(birthday="1990-05-01"), customer(birthday="1985-03-03")
    asset_id = vehicle(merged)
    feed("customer.merged.v1", {"survivor_id": survivor, "merged_id": merged,
                                "merged_at": datetime.now(UTC).isoformat(), "undo_until": later(7).isoformat()})
    assert reminders_of(client, merged) == []
    moved = [item for item in reminders_of(client, survivor) if item["asset_id"] == asset_id]
    assert {"delivery_callback_3d", "first_maintenance"} <= {item["rule"] for item in moved}
    # the merged record's own birthday greeting is not the survivor's: cancelled, not doubled
    birthdays = [item for item in reminders_of(client, survivor, rule="birthday", status="scheduled")]
    assert {item["reason"][17:22] for item in birthdays} == {"05-01"}
    feed("customer.unmerged.v1", {"survivor_id": survivor, "restored_id": merged,
                                  "unmerged_at": datetime.now(UTC).isoformat()})
    assert not [item for item in reminders_of(client, survivor) if item["asset_id"] == asset_id]
    restored = reminders_of(client, merged, status="scheduled")
    assert {"delivery_callback_3d", "birthday"} <= {item["rule"] for item in restored}


def test_erasure_cancels_what_was_planned_and_keeps_no_personal_data(client, feed, customer, vehicle, sessions):
    from reminder.adapters.tables import customers
    from sqlalchemy import select

    customer_id = customer()
    vehicle(customer_id)
    feed("customer.erased.v1", {"customer_id": customer_id, "erased_at": datetime.now(UTC).isoformat()})
    assert {item["status"] for item in reminders_of(client, customer_id)} == {"cancelled"}
    with sessions() as session:
        row = session.execute(select(customers).where(customers.c.id == customer_id)).one()
    assert (row.name, row.phone, row.email, row.birthday) == (None, None, None, None)
    # a later update of the erased customer brings no personal data back
    feed("customer.updated.v1", {"id": customer_id, "version": 9, "name": "王芳", "changes": {}})
    with sessions() as session:
        assert session.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar() is None


def test_a_tier_change_moves_the_contact_cadence(client, feed, customer):
    customer_id = customer()
    assert client.patch("/api/v1/reminders/rules/contact_cadence", json={"params": {"tier_days": {"gold": 14}}},
                        headers=AGENT).status_code == 403
    [monthly] = reminders_of(client, customer_id, rule="contact_cadence", status="scheduled")
    assert "1 month" in monthly["reason"]
    assert client.patch("/api/v1/reminders/rules/contact_cadence", json={"params": {"tier_days": {"gold": 14}}},
                        headers=MANAGER).status_code == 200
    feed("customer.tier_changed.v1", {"customer_id": customer_id, "from_tier": "silver", "to_tier": "gold",
                                      "points_balance": 9000, "changed_at": datetime.now(UTC).isoformat()})
    [gold] = reminders_of(client, customer_id, rule="contact_cadence", status="scheduled")
    assert "14 days (gold)" in gold["reason"]
