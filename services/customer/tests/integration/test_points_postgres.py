"""On PostgreSQL: concurrent earns and redemptions of one customer lose no points and never go negative;
erasure works on the real database too."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from customer.adapters.tables import history, points_ledger
from flask import Flask
from servicekit.db import idempotency_keys, outbox
from servicekit.events import parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "zhao.jl")


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _customer_with(app: Flask, points: int, phone: str) -> str:
    client = app.test_client()
    customer = client.post("/api/v1/customers", headers=WRITER,
                           json={"name": "积分", "phone": phone, "kind": "owner"}).get_json()
    if points:
        assert client.post(f"/api/v1/customers/{customer['id']}/points/adjustments", headers=MANAGER,
                           json={"points": points, "reason": "开卡赠送"}).status_code == 201
    return customer["id"]


def _ledger(app: Flask, customer_id: str) -> tuple[int, int]:
    with service_context(app).engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.sum(points_ledger.c.points), 0), func.count())
                                  .where(points_ledger.c.customer_id == customer_id)).one()


def test_concurrent_redemptions_take_exactly_what_there_is(pg_app):
    customer_id = _customer_with(pg_app, 500, "13800000001")
    path = f"/api/v1/customers/{customer_id}/points/redemptions"

    def redeem():
        return pg_app.test_client().post(path, headers=WRITER, json={"points": 100, "reason": "兑换"}).status_code

    statuses = all_at_once([redeem] * 10)
    assert sorted(statuses) == [201] * 5 + [409] * 5
    balance = pg_app.test_client().get(f"/api/v1/customers/{customer_id}/points", headers=WRITER).get_json()
    assert balance["balance"] == 0
    assert _ledger(pg_app, customer_id) == (0, 6)


def test_concurrent_earns_and_redemptions_lose_nothing(pg_app):
    customer_id = _customer_with(pg_app, 900, "13800000002")  # around the silver threshold (1000)
    base = f"/api/v1/customers/{customer_id}"

    def earn():
        return pg_app.test_client().post(f"{base}/visits", headers=WRITER,
                                         json={"kind": "service", "service_type": "maintenance",
                                               "amount": "100.00"}).status_code

    def redeem():
        return pg_app.test_client().post(f"{base}/points/redemptions", headers=WRITER,
                                         json={"points": 150, "reason": "兑换"}).status_code

    statuses = all_at_once([earn, redeem] * 6)
    earned = statuses[0::2]
    redeemed = statuses[1::2]
    assert earned == [201] * 6 and set(redeemed) <= {201, 409}
    expected = 900 + 6 * 100 - 150 * redeemed.count(201)
    account = pg_app.test_client().get(f"{base}/points?page_size=50", headers=WRITER).get_json()
    assert account["balance"] == expected >= 0
    assert account["tier"] == ("silver" if expected >= 1000 else "regular")
    assert _ledger(pg_app, customer_id) == (expected, 1 + 6 + redeemed.count(201))
    # every balance the ledger passed through is >= 0, and each tier crossing on the way is one event
    running, tier, crossings = 0, "regular", []
    for entry in reversed(account["items"]):
        running += entry["points"]
        assert running >= 0
        if ("silver" if running >= 1000 else "regular") != tier:
            crossings.append((tier, "silver" if running >= 1000 else "regular"))
            tier = crossings[-1][1]
    with service_context(pg_app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    changes = [parse_event(body).data for body in bodies]
    assert [(c["from_tier"], c["to_tier"]) for c in changes if "to_tier" in c] == crossings


def test_erasure_on_postgresql_scrubs_history_and_forgets_replayable_answers(pg_app):
    client = pg_app.test_client()
    created = client.post("/api/v1/customers", headers={**WRITER, "Idempotency-Key": "create-1"},
                          json={"name": "欧阳娜娜", "phone": "13800000003", "kind": "prospect",
                                "email": "nana@example.cn"}).get_json()
    client.patch(f"/api/v1/customers/{created['id']}", headers={**WRITER, "If-Match": '"1"'},
                 json={"email": "nana@bank.cn"})
    assert client.post(f"/api/v1/customers/{created['id']}/erasure", headers=MANAGER).status_code == 200
    with service_context(pg_app).engine.connect() as connection:
        changes = connection.execute(select(history.c.changes).where(history.c.customer_id == created["id"])).scalars()
        assert "nana" not in str(list(changes))
        assert connection.execute(select(func.count()).select_from(idempotency_keys)).scalar() == 0
    replay = client.post("/api/v1/customers", headers={**WRITER, "Idempotency-Key": "create-1"},
                         json={"name": "欧阳娜娜", "phone": "13800000003", "kind": "prospect",
                               "email": "nana@example.cn"})
    assert replay.status_code == 201 and replay.get_json()["id"] != created["id"]  # the phone was freed


def test_tiers_are_settled_on_postgresql_when_the_thresholds_change(pg_app):
    from customer.domain.points import PointsPolicy
    from customer.service_layer import points

    customer_id = _customer_with(pg_app, 1500, "13800000004")  # silver by the default thresholds
    sessions = service_context(pg_app).sessions
    lower = PointsPolicy(thresholds={"silver": 500, "gold": 1200, "diamond": 3000})
    assert points.retier(sessions, "admin", lower) == {"changed": 1}
    assert points.retier(sessions, "admin", lower) == {"changed": 0}
    assert pg_app.test_client().get(f"/api/v1/customers/{customer_id}", headers=WRITER).get_json()["tier"] == "gold"
