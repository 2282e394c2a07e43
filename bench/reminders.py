"""The reminder service: one scheduler pass over scheduled reminders, and recomputing maintenance predictions.

    .venv/bin/python -m bench.reminders [--reminders 1000000] [--due 10000] [--vehicles 100000] [--repeats 3]

- scheduler: `--reminders` scheduled reminders in a throwaway PostgreSQL database (delivery callbacks, tasks
  for their owners, spread over the next year), of which `--due` have fallen due. One scheduler pass (claim a
  batch of 500 FOR UPDATE SKIP LOCKED, move each to `due`, write its `reminder.due.v1` to the outbox, commit;
  batch after batch; then the pass's other steps: re-plans, snoozed tasks, missed appointments) against the
  baseline: a plain select of the same due rows through the scheduler's index (`status = 'scheduled' AND
  due_at <= now`), fetched whole. Between repeats the fired reminders are put back and the outbox emptied.
- predictions: `--vehicles` vehicles with six odometer readings and a last service each. Recomputing every
  vehicle's next service (read its readings, robust km/day, due date by distance or time, reason in words)
  against the baseline: reading the same readings, grouped by vehicle, and nothing else.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from reminder.config import ReminderSettings
from reminder.domain.prediction import Reading, predict_service
from reminder.entrypoints.runner import MIGRATIONS
from reminder.service_layer.scheduler import Scheduler
from servicekit.db import make_engine, make_session_factory, upgrade
from servicekit.testing import ThrowawayDatabases
from sqlalchemy import text

CUSTOMER_ID = "lpad(to_hex(1 + ({n}) % :customers), 32, '0')::uuid::text"
REASON = "callback 3 days after delivery of 粤B·D12345 on 2026-11-20 → due 2026-11-23"


def fill_reminders(engine, total: int, due: int, customers: int) -> None:
    """`customers` customers and `total` scheduled reminders, `due` of them already due."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO customers (id, version, name, owner, store_id, key_customer, blacklisted, consent_sms, "
            "consent_phone, consent_email, updated_at) SELECT lpad(to_hex(g), 32, '0')::uuid::text, 1, '客户' || g, "
            "'owner' || (g % 50), 'store-' || (g % 10), false, false, true, true, false, now() "
            "FROM generate_series(1, :customers) g"), {"customers": customers})
        connection.execute(text(
            "INSERT INTO reminders (id, key, rule_id, kind, customer_id, due_at, status, owner, reason, task, "
            "created_at) SELECT gen_random_uuid()::text, 'bench:' || g, 'delivery_callback_3d', "
            f"'delivery_callback', {CUSTOMER_ID.format(n='g')}, CASE WHEN g <= :due "
            "THEN now() - make_interval(secs => g) ELSE now() + make_interval(days => 1 + g % 365) END, "
            "'scheduled', 'owner' || (g % 50), :reason, true, now() FROM generate_series(1, :total) g"),
            {"customers": customers, "due": due, "total": total, "reason": REASON})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customers"))
        connection.execute(text("VACUUM ANALYZE reminders"))


def plain_select(engine, moment: datetime) -> tuple[float, int]:
    """Seconds to fetch every due reminder whole through the scheduler's partial index."""
    start = time.perf_counter()
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT * FROM reminders WHERE status = 'scheduled' AND due_at <= :now ORDER BY due_at"),
            {"now": moment}).all()
    return time.perf_counter() - start, len(rows)


def scheduler_pass(engine, settings: ReminderSettings, moment: datetime) -> tuple[float, int]:
    """Seconds for one scheduler pass at `moment`, and how many reminders it fired."""
    scheduler = Scheduler(make_session_factory(engine), settings, clock=lambda: moment)
    start = time.perf_counter()
    fired = scheduler.run_once()["fired"]
    return time.perf_counter() - start, fired


def put_back(engine) -> None:
    """Undo a pass: the fired reminders scheduled again, the outbox empty."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE reminders SET status = 'scheduled', fired_at = NULL WHERE status = 'due'"))
        connection.execute(text("DELETE FROM outbox"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE reminders"))
        connection.execute(text("VACUUM outbox"))


def scheduler_figures(url: str, total: int, due: int, repeats: int) -> dict:
    engine = make_engine(url)
    started = time.perf_counter()
    fill_reminders(engine, total, due, customers=max(1, min(100_000, total // 10)))
    setup = time.perf_counter() - started
    settings = replace(ReminderSettings(zone=ZoneInfo("Asia/Shanghai")), scheduler_batch=500)
    selects, passes = [], []
    for _ in range(repeats):
        moment = datetime.now(UTC)
        seconds, rows = plain_select(engine, moment)
        selects.append(seconds)
        if rows != due:
            raise RuntimeError(f"{rows} due rows, expected {due}")
        seconds, fired = scheduler_pass(engine, settings, moment)
        if fired != due:
            raise RuntimeError(f"the pass fired {fired}, expected {due}")
        passes.append(seconds)
        empty, _ = scheduler_pass(engine, settings, moment)  # nothing left: the idle pass
        put_back(engine)
    engine.dispose()
    select, fire = statistics.median(selects), statistics.median(passes)
    return {"reminders": total, "due": due, "setup_seconds": round(setup, 1),
            "plain_select_ms": round(select * 1000, 1), "scheduler_pass_ms": round(fire * 1000, 1),
            "idle_pass_ms": round(empty * 1000, 1), "ratio_pass_to_select": round(fire / select, 1),
            "fired_per_second": round(due / fire), "runs_select_ms": [round(s * 1000, 1) for s in selects],
            "runs_pass_ms": [round(s * 1000, 1) for s in passes]}


def fill_vehicles(engine, vehicles: int) -> None:
    """`vehicles` vehicles, each with six readings over the last year at its own pace, and a last service."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO assets (id, customer_id, kind, label, delivered_on) SELECT "
            "lpad(to_hex(g), 32, '0')::uuid::text, lpad(to_hex(g), 32, '0')::uuid::text, 'vehicle', 'car ' || g, "
            "current_date - 400 FROM generate_series(1, :vehicles) g"), {"vehicles": vehicles})
        # 20 to 79 km a day, one reading every two months; reading 3 is the last service
        connection.execute(text(
            "INSERT INTO readings (asset_id, read_on, km, source) SELECT lpad(to_hex(g), 32, '0')::uuid::text, "
            "current_date - 360 + r * 60, 10 + (20 + g % 60) * r * 60, 'r' || r "
            "FROM generate_series(1, :vehicles) g, generate_series(0, 5) r"), {"vehicles": vehicles})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE readings"))


def read_readings(engine) -> dict[str, list[Reading]]:
    """Every vehicle's readings, grouped."""
    grouped: dict[str, list[Reading]] = defaultdict(list)
    with engine.connect() as connection:
        for asset_id, read_on, km in connection.execute(text(
                "SELECT asset_id, read_on, km FROM readings ORDER BY asset_id, read_on")):
            grouped[asset_id].append(Reading(read_on, km))
    return grouped


def prediction_figures(url: str, vehicles: int, repeats: int) -> dict:
    engine = make_engine(url)
    fill_vehicles(engine, vehicles)
    today = date.today()
    reads, predictions, due_dates = [], [], None
    for _ in range(repeats):
        start = time.perf_counter()
        read_readings(engine)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        grouped = read_readings(engine)
        due_dates = [predict_service(readings, readings[3].read_on, readings[3].km, 5_000, 6, today).due_on
                     for readings in grouped.values()]
        predictions.append(time.perf_counter() - start)
    engine.dispose()
    if len(due_dates) != vehicles:
        raise RuntimeError(f"{len(due_dates)} predictions for {vehicles} vehicles")
    read, full = statistics.median(reads), statistics.median(predictions)
    return {"vehicles": vehicles, "read_readings_ms": round(read * 1000), "read_and_predict_ms": round(full * 1000),
            "ratio_predict_to_read": round(full / read, 1),
            "predict_us_per_vehicle": round((full - read) / vehicles * 1e6, 1),
            "runs_read_ms": [round(s * 1000) for s in reads], "runs_predict_ms": [round(s * 1000) for s in predictions]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    databases = ThrowawayDatabases()
    try:
        url = databases.create("bench_reminders")
        upgrade(url, MIGRATIONS)
        figures = {"scheduler": scheduler_figures(url, args.reminders, args.due, args.repeats)}
        url = databases.create("bench_predictions")
        upgrade(url, MIGRATIONS)
        figures["predictions"] = prediction_figures(url, args.vehicles, args.repeats)
    finally:
        databases.drop_all()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
