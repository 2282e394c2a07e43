"""Membership over HTTP: points from a visit's amount, redemptions, adjustments, tiers, year-end expiry."""
from __future__ import annotations

from datetime import datetime

import pytest
from customer.adapters.tables import points_ledger
from customer.app import create_app
from customer.entrypoints.runner import MIGRATIONS
from servicekit.db import outbox
from servicekit.events import parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import func, select, update

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "zhao.jl")
ADMIN = auth_headers("admin", "root")


def service_visit(client, customer_id, amount):
    response = client.post(f"/api/v1/customers/{customer_id}/visits", headers=WRITER,
                           json={"kind": "service", "amount": amount, "service_type": "maintenance"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def account(client, customer_id):
    return client.get(f"/api/v1/customers/{customer_id}/points", headers=WRITER).get_json()


def tier_events(events):
    return [event.data for event in events() if event.type == "customer.tier_changed.v1"]


def test_a_service_visits_amount_earns_points_and_crossing_a_threshold_changes_the_tier(client, new_customer,
                                                                                     events):
    customer = new_customer(kind="owner")
    service_visit(client, customer["id"], "680.90")
    assert tier_events(events) == []
    service_visit(client, customer["id"], "500.00")
    seen = account(client, customer["id"])
    assert (seen["balance"], seen["tier"], seen["next_tier"], seen["points_to_next_tier"]) == (
        1180, "silver", "gold", 3820)
    assert [entry["points"] for entry in seen["items"]] == [500, 680]
    assert {entry["kind"] for entry in seen["items"]} == {"earn"}
    changed = tier_events(events)
    assert len(changed) == 1
    assert changed[0]["customer_id"] == customer["id"]
    assert (changed[0]["from_tier"], changed[0]["to_tier"], changed[0]["points_balance"]) == (
        "regular", "silver", 1180)
    got = client.get(f"/api/v1/customers/{customer['id']}", headers=WRITER).get_json()
    assert (got["tier"], got["points_balance"], got["version"]) == ("silver", 1180, customer["version"])
    history = client.get(f"/api/v1/customers/{customer['id']}/history", headers=WRITER).get_json()["items"]
    assert history[0]["action"] == "tier_changed" and history[0]["changes"] == {"tier": ["regular", "silver"]}


def test_a_visit_without_an_amount_earns_nothing(client, new_customer):
    customer = new_customer()
    client.post(f"/api/v1/customers/{customer['id']}/visits", headers=WRITER, json={"kind": "store"})
    assert account(client, customer["id"])["balance"] == 0 and account(client, customer["id"])["total"] == 0


def test_redeeming_more_than_the_balance_is_409_and_changes_nothing(client, new_customer):
    customer = new_customer(kind="owner")
    service_visit(client, customer["id"], "300")
    path = f"/api/v1/customers/{customer['id']}/points/redemptions"
    refused = client.post(path, headers=WRITER, json={"points": 301, "reason": "礼品"})
    assert refused.status_code == 409 and refused.get_json()["points_balance"] == 300
    assert account(client, customer["id"])["total"] == 1
    done = client.post(path, headers=WRITER, json={"points": 300, "reason": "机油兑换"})
    assert done.status_code == 201 and done.get_json() == {"customer_id": customer["id"], "balance": 0,
                                                           "tier": "regular"}
    assert account(client, customer["id"])["items"][0]["reason"] == "机油兑换"


def test_redeeming_below_a_threshold_moves_the_customer_down(client, new_customer, events):
    customer = new_customer(kind="owner")
    service_visit(client, customer["id"], "5000")
    client.post(f"/api/v1/customers/{customer['id']}/points/redemptions", headers=WRITER,
                json={"points": 4500, "reason": "保养套餐"})
    assert [(e["from_tier"], e["to_tier"], e["points_balance"]) for e in tier_events(events)] == [
        ("regular", "gold", 5000), ("gold", "regular", 500)]


def test_adjustments_are_for_managers_and_need_a_reason(client, new_customer):
    customer = new_customer()
    path = f"/api/v1/customers/{customer['id']}/points/adjustments"
    assert client.post(path, headers=WRITER, json={"points": 50, "reason": "补录"}).status_code == 403
    missing = client.post(path, headers=MANAGER, json={"points": 50})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    zero = client.post(path, headers=MANAGER, json={"points": 0, "reason": "x"})
    assert zero.status_code == 422 and "points" in zero.get_json()["errors"]
    assert client.post(path, headers=MANAGER, json={"points": -1, "reason": "x"}).status_code == 409
    assert client.post(path, headers=MANAGER, json={"points": 50, "reason": "补录上月保养"}).status_code == 201
    entry = account(client, customer["id"])["items"][0]
    assert (entry["kind"], entry["points"], entry["reason"]) == ("adjust", 50, "补录上月保养")
    assert entry["actor"] == "zhao.jl"


@pytest.mark.parametrize("body", [{"points": "10", "reason": "x"}, {"points": 1.5, "reason": "x"},
                                  {"points": 10, "reason": "  "}, {"points": 10**9, "reason": "x"}])
def test_bad_redemptions_are_422(client, new_customer, body):
    customer = new_customer()
    response = client.post(f"/api/v1/customers/{customer['id']}/points/redemptions", headers=WRITER, json=body)
    assert response.status_code == 422


def test_points_of_an_unknown_customer_are_404(client):
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/api/v1/customers/{missing}/points", headers=WRITER).status_code == 404
    assert client.post(f"/api/v1/customers/{missing}/points/redemptions", headers=WRITER,
                       json={"points": 1, "reason": "x"}).status_code == 404


def test_the_policy_is_readable(client):
    policy = client.get("/api/v1/customers/membership", headers=WRITER).get_json()
    assert policy == {"points_per_yuan": "1", "thresholds": {"silver": 1000, "gold": 5000, "diamond": 20000},
                      "expire_at_year_end": False}


def test_expiry_is_refused_unless_switched_on(client):
    response = client.post("/api/v1/customers/points/expiry", headers=ADMIN, json={"year": 2020})
    assert response.status_code == 409 and "CRM_POINTS_EXPIRE_AT_YEAR_END" in response.get_json()["detail"]
    assert client.post("/api/v1/customers/points/expiry", headers=MANAGER, json={"year": 2020}).status_code == 403


@pytest.fixture
def expiring_app(make_settings, migrated_sqlite):
    settings = make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, "customer"),
                             extra={"CRM_POINTS_EXPIRE_AT_YEAR_END": "true", "CRM_POINTS_PER_YUAN": "2"})
    application = create_app(settings)
    yield application
    service_context(application).engine.dispose()


def test_unspent_points_of_last_year_expire_once_and_this_years_stay(expiring_app):
    client = expiring_app.test_client()
    headers = WRITER
    customer = client.post("/api/v1/customers", headers=headers,
                           json={"name": "陈静", "phone": "13700000001", "kind": "owner"}).get_json()
    last_year = datetime.now().year - 1
    service_visit(client, customer["id"], "1000")   # 2000 points, moved back into last year below
    engine = service_context(expiring_app).engine
    with engine.begin() as connection:
        connection.execute(update(points_ledger).values(at=datetime(last_year, 6, 1, 12)))
    service_visit(client, customer["id"], "100")    # 200 points this year
    client.post(f"/api/v1/customers/{customer['id']}/points/redemptions", headers=headers,
                json={"points": 500, "reason": "礼品"})  # spends last year's first
    this_year = client.post("/api/v1/customers/points/expiry", headers=ADMIN, json={"year": last_year + 1})
    assert this_year.status_code == 409
    first = client.post("/api/v1/customers/points/expiry", headers=ADMIN, json={"year": last_year})
    assert first.get_json() == {"year": last_year, "customers": 1, "points": 1500}
    again = client.post("/api/v1/customers/points/expiry", headers=ADMIN, json={"year": last_year})
    assert again.get_json() == {"year": last_year, "customers": 0, "points": 0}
    seen = account(client, customer["id"])
    assert (seen["balance"], seen["tier"]) == (200, "regular")
    assert seen["items"][0]["kind"] == "expire" and seen["items"][0]["points"] == -1500
    with engine.connect() as connection:
        assert connection.execute(select(func.sum(points_ledger.c.points))).scalar() == 200


def test_after_the_thresholds_change_an_admin_settles_every_tier_once(make_settings, migrated_sqlite):
    url = migrated_sqlite(MIGRATIONS, "customer")
    before = create_app(make_settings("customer", database_url=url))
    client = before.test_client()
    ids = []
    for n, amount in enumerate(("1500", "600", "50")):
        customer = client.post("/api/v1/customers", headers=WRITER,
                               json={"name": "客户", "phone": f"1370000000{n}", "kind": "owner"}).get_json()
        service_visit(client, customer["id"], amount)
        ids.append(customer["id"])
    service_context(before).engine.dispose()
    after = create_app(make_settings("customer", database_url=url,
                                     extra={"CRM_MEMBERSHIP_TIERS": "silver=500,gold=1200,diamond=3000"}))
    client = after.test_client()
    assert client.post("/api/v1/customers/membership/tiers", headers=MANAGER).status_code == 403
    assert client.post("/api/v1/customers/membership/tiers", headers=ADMIN).get_json() == {"changed": 2}
    tiers = [client.get(f"/api/v1/customers/{i}", headers=WRITER).get_json()["tier"] for i in ids]
    assert tiers == ["gold", "silver", "regular"]
    assert client.post("/api/v1/customers/membership/tiers", headers=ADMIN).get_json() == {"changed": 0}
    with service_context(after).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    moved = [e.data for e in map(parse_event, bodies) if e.type == "customer.tier_changed.v1"]
    assert sorted((m["from_tier"], m["to_tier"]) for m in moved[-2:]) == [("regular", "silver"), ("silver", "gold")]
    service_context(after).engine.dispose()
