"""On PostgreSQL: concurrent merges of the same pair; exactly one wins and nothing is lost."""
from __future__ import annotations

import threading

import pytest
from customer.adapters.tables import assets, customer_merges, visits
from servicekit.db import outbox
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "chen.jie")


def test_concurrent_merges_of_the_same_pair_one_wins_nothing_is_lost(pg_app):
    client = pg_app.test_client()
    first, second = (client.post("/api/v1/customers", headers=WRITER, json={
        "name": "张伟", "phone": phone, "kind": "owner"}).get_json() for phone in ("13800138000", "13900139000"))
    for customer, vin in ((first, "LSVAU2180N2183294"), (second, "LFV2A21K8E3000001")):
        client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER,
                    json={"kind": "vehicle", "model": "雅阁", "vin": vin})
        for _ in range(3):
            client.post(f"/api/v1/customers/{customer['id']}/visits", headers=WRITER, json={"kind": "store"})
    # half merge the second into the first, half the other way round, all released at once
    pairs = [(first, second), (second, first)] * 4
    barrier = threading.Barrier(len(pairs))
    results: list = [None] * len(pairs)

    def run(index: int) -> None:
        survivor, merged = pairs[index]
        barrier.wait()
        response = pg_app.test_client().post("/api/v1/customers/merges", headers=MANAGER, json={
            "survivor_id": survivor["id"], "merged_id": merged["id"]})
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pairs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7, results
    winner = next(body for status, body in results if status == 201)
    survivor_id, merged_id = winner["survivor"]["id"], winner["merged_id"]
    with service_context(pg_app).engine.connect() as db:
        owners = db.execute(select(assets.c.customer_id, func.count()).group_by(assets.c.customer_id)).all()
        visit_owners = db.execute(select(visits.c.customer_id, func.count()).group_by(visits.c.customer_id)).all()
        merges = db.execute(select(func.count()).select_from(customer_merges)).scalar_one()
        merged_events = db.execute(select(func.count()).select_from(outbox)
                                   .where(outbox.c.type == "customer.merged.v1")).scalar_one()
    assert owners == [(survivor_id, 2)] and visit_owners == [(survivor_id, 6)]
    assert merges == 1 and merged_events == 1
    survivor = client.get(f"/api/v1/customers/{merged_id}", headers=MANAGER).get_json()
    assert survivor["id"] == survivor_id
    assert {survivor["phone"], *survivor["phones"]} == {"+8613800138000", "+8613900139000"}
    undo = client.post(f"/api/v1/customers/merges/{winner['merge_id']}/undo", headers=MANAGER)
    assert undo.status_code == 200
    assert client.get(f"/api/v1/customers/{merged_id}", headers=MANAGER).get_json()["id"] == merged_id
