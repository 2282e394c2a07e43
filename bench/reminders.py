"""The reminder service: one scheduler pass over scheduled reminders, and recomputing maintenance predictions.

    .venv/bin/python -m bench.reminders [--reminders 1000000] [--due 10000] [--vehicles 100000] [--repeats 3]
                                        [--skip-scheduler | --skip-predictions]

- scheduler: `--reminders` scheduled reminders in a throwaway PostgreSQL database, spread over the next year, of
  which `--due` have fallen due: half delivery callbacks (tasks for their owners), half birthday greetings (an
  SMS to the customer, as the built-in rule plans them: firing one re-plans the customer's recurring
  reminders). One scheduler pass (claim a batch of 500 FOR UPDATE SKIP LOCKED, move each to `due`, write its
  `reminder.due.v1` to the outbox and its SMS, re-plan the customers whose recurring reminders fired, commit;
  batch after batch; then the pass's other steps: re-plans, snoozed tasks, missed appointments) against the
  baseline: the same writes in bare SQL (one statement a batch: the set-based claim and UPDATE, the outbox
  rows and notifications built by PostgreSQL), runs alternating, medians; for information, a plain select of
  the same due rows through the scheduler's index (`status = 'scheduled' AND due_at <= now`), fetched whole.
  After every run the fired reminders are put back and the outbox and notifications emptied.
- predictions: `--vehicles` vehicles with six odometer readings and a last service each. Recomputing every
  vehicle's next service (read its readings, robust km/day, due date by distance or time, reason in words)
  against the baseline: reading the same readings, grouped by vehicle, and nothing else.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from reminder.adapters.reminder_rules import RuleRepository
from reminder.config import ReminderSettings
from reminder.domain.planning_facts import Context
from reminder.domain.prediction import Reading, predict_service
from reminder.entrypoints.runner import MIGRATIONS
from reminder.service_layer.planning import reconcile_many
from reminder.service_layer.scheduler import Scheduler
from servicekit.db import make_engine, make_session_factory, unit_of_work, upgrade
from servicekit.testing import ThrowawayDatabases
from sqlalchemy import text

#: The customer of reminder number g: its own (an even number) for a greeting, one of the first `customers` odd
#: numbers for a delivery callback.
CUSTOMER_ID = ("CASE WHEN g % 2 = 0 THEN lpad(to_hex(g), 32, '0')::uuid::text "
               "ELSE lpad(to_hex(1 + 2 * ((g / 2) % (:customers / 2))), 32, '0')::uuid::text END")
REASON = "callback 3 days after delivery of 粤B·D12345 on 2026-11-20 → due 2026-11-23"


#: The day reminder number g is about: for one already due, yesterday where the business is (a greeting is still
#: planned a day late, so firing it finds it in the plan, and it is due whatever the hour); else its due day.
DAY = ("LATERAL (SELECT CASE WHEN g <= :due THEN (now() AT TIME ZONE 'Asia/Shanghai')::date - 1 "
       "ELSE ((now() + make_interval(days => 1 + g % 365)) AT TIME ZONE 'Asia/Shanghai')::date END AS day) d")


def fill_reminders(engine, total: int, due: int, customers: int) -> None:
    """`customers` customers with a mobile and consent to SMS, each with delivery callbacks (odd numbers), and
    `total` / 2 more with a birthday (even numbers), each with the greeting of that birthday, keyed as the
    planner keys it; `total` scheduled reminders in all, `due` of them already due."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO customers (id, version, name, phone, birthday, owner, store_id, key_customer, blacklisted, "
            "consent_sms, consent_phone, consent_email, updated_at) SELECT lpad(to_hex(g), 32, '0')::uuid::text, "
            "1, '客户' || g, '+86139' || lpad(g::text, 8, '0'), "
            "CASE WHEN g % 2 = 0 THEN (d.day - interval '30 years')::date END, 'owner' || (g % 50), "
            f"'store-' || (g % 10), false, false, true, true, false, now() FROM generate_series(1, :total) g, {DAY} "
            "WHERE g % 2 = 0 OR g <= :customers"), {"customers": customers, "total": total, "due": due})
        connection.execute(text(
            "INSERT INTO reminders (id, key, rule_id, kind, customer_id, due_at, status, owner, reason, task, "
            "created_at) SELECT gen_random_uuid()::text, CASE WHEN g % 2 = 0 THEN "
            "'birthday:' || c.id || ':' || extract(year FROM d.day) ELSE 'bench:' || g END, "
            "CASE WHEN g % 2 = 0 THEN 'birthday' ELSE 'delivery_callback_3d' END, "
            "CASE WHEN g % 2 = 0 THEN 'birthday' ELSE 'delivery_callback' END, c.id, "
            "CASE WHEN g <= :due THEN now() - make_interval(secs => g) ELSE now() + make_interval(days => 1 + g % 365) "
            "END, 'scheduled', 'owner' || (g % 50), :reason, g % 2 = 1, now() "
            f"FROM generate_series(1, :total) g, LATERAL (SELECT {CUSTOMER_ID} AS id) c, {DAY}"),
            {"customers": customers, "due": due, "total": total, "reason": REASON})
    plan_greeted(engine, due)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customers"))
        connection.execute(text("VACUUM ANALYZE reminders"))


def plan_greeted(engine, due: int) -> None:
    """The customers whose greeting has fallen due, planned as the service keeps every customer planned (their
    festivals, next birthday …), so that re-planning them as their greeting fires finds the plan unchanged."""
    sessions, moment = make_session_factory(engine), datetime.now(UTC)
    ids = [str(uuid.UUID(int=g)) for g in range(2, due + 1, 2)]
    for start in range(0, len(ids), 500):
        with unit_of_work(sessions) as session:
            reconcile_many(session, ids[start:start + 500], RuleRepository(session).all(),
                           Context(moment, ZoneInfo("Asia/Shanghai")), "planned before the benchmark")


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


#: One batch of the pass's writes in bare SQL: claim the batch as the scheduler does (SKIP LOCKED, earliest
#: first), move each to `due`, and add its `reminder.due.v1` (the whole CloudEvent, built by PostgreSQL, the
#: customer's store looked up) to the outbox; then the notifications of the claimed reminders whose rule has
#: channels (the inspection reminders' SMS, with the reminder's reason as its text where the scheduler writes
#: the rule's message template). One statement, no Python per row.
BARE_BATCH = text("""
WITH claimed AS (
    UPDATE reminders SET status = 'due', fired_at = :now
    WHERE id = ANY(ARRAY(SELECT id FROM reminders WHERE status = 'scheduled' AND due_at <= :now
                         ORDER BY due_at LIMIT :batch FOR UPDATE SKIP LOCKED))
      AND status = 'scheduled'
    RETURNING *),
named AS (SELECT *, gen_random_uuid()::text AS event_id FROM claimed),
event AS (
    INSERT INTO outbox (event_id, type, subject, body, created_at)
    SELECT r.event_id, 'reminder.due.v1', r.id, json_build_object(
        'specversion', '1.0', 'id', r.event_id, 'source', '/guanxi/reminder', 'type', 'reminder.due.v1',
        'time', now(), 'subject', r.id, 'datacontenttype', 'application/json',
        'correlationid', gen_random_uuid(), 'data', json_build_object(
            'reminder_id', r.id, 'customer_id', r.customer_id, 'asset_id', r.asset_id, 'rule', r.rule_id,
            'rule_kind', r.kind, 'due_at', r.due_at, 'owner', r.owner, 'store_id', c.store_id,
            'reason', r.reason, 'status', r.status))::text, now()
    FROM named r LEFT JOIN customers c ON c.id = r.customer_id
    ORDER BY r.due_at, r.id
    RETURNING 1),
notified AS (
    INSERT INTO notifications (id, reminder_id, customer_id, channel, status, target, body, send_at, attempts,
                               next_attempt_at, created_at, local)
    SELECT gen_random_uuid()::text, r.id, r.customer_id, channel, 'pending', c.phone, r.reason, :now, 0, :now,
           :now, false
    FROM claimed r JOIN customers c ON c.id = r.customer_id
    JOIN rules k ON k.id = r.rule_id AND k.enabled, json_array_elements_text(k.channels::json) AS channel
    RETURNING 1)
SELECT (SELECT count(*) FROM event), (SELECT count(*) FROM notified)
""")


def bare_pass(engine, moment: datetime) -> tuple[float, int]:
    """Seconds for the pass's writes in bare SQL, batch after batch (one statement and one commit each),
    and how many reminders it fired."""
    start, fired = time.perf_counter(), 0
    while True:
        with engine.begin() as connection:
            count, _ = connection.execute(BARE_BATCH, {"now": moment, "batch": 500}).one()
        fired += count
        if count < 500:
            return time.perf_counter() - start, fired


def put_back(engine) -> None:
    """Undo a pass: the fired reminders scheduled again, the outbox empty."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE reminders SET status = 'scheduled', fired_at = NULL WHERE status = 'due'"))
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(text("DELETE FROM notifications"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE reminders"))
        connection.execute(text("VACUUM outbox"))


def scheduler_figures(url: str, total: int, due: int, repeats: int) -> dict:
    engine = make_engine(url)
    started = time.perf_counter()
    fill_reminders(engine, total, due, customers=max(1, min(100_000, total // 10)))
    setup = time.perf_counter() - started
    # an SMS gateway named (a pass only plans messages; nothing is sent to it), so SMS are planned as pending
    settings = replace(ReminderSettings(zone=ZoneInfo("Asia/Shanghai"), sms_url="http://127.0.0.1:9/sms"),
                       scheduler_batch=500)
    runs: dict[str, list[float]] = {"select": [], "pass": [], "bare": [], "idle": []}

    def path() -> None:
        moment = datetime.now(UTC)
        seconds, fired = scheduler_pass(engine, settings, moment)
        if fired != due:
            raise RuntimeError(f"the pass fired {fired}, expected {due}")
        runs["pass"].append(seconds)
        runs["idle"].append(scheduler_pass(engine, settings, moment)[0])  # nothing left: the idle pass
        check_outbox(engine, due)

    def bare() -> None:
        seconds, fired = bare_pass(engine, datetime.now(UTC))
        if fired != due:
            raise RuntimeError(f"the bare SQL fired {fired}, expected {due}")
        runs["bare"].append(seconds)
        check_outbox(engine, due)

    for repeat in range(repeats):
        seconds, rows = plain_select(engine, datetime.now(UTC))
        if rows != due:
            raise RuntimeError(f"{rows} due rows, expected {due}")
        runs["select"].append(seconds)
        for run in (path, bare) if repeat % 2 == 0 else (bare, path):  # which goes first swaps every repeat
            run()
            put_back(engine)
    engine.dispose()
    select, fire, bare_s = (statistics.median(runs[name]) for name in ("select", "pass", "bare"))
    return {"reminders": total, "due": due, "setup_seconds": round(setup, 1),
            "plain_select_ms": round(select * 1000, 1), "bare_sql_ms": round(bare_s * 1000, 1),
            "scheduler_pass_ms": round(fire * 1000, 1),
            "idle_pass_ms": round(statistics.median(runs["idle"]) * 1000, 1),
            "ratio_pass_to_bare": round(fire / bare_s, 2), "ratio_pass_to_select": round(fire / select, 1),
            "fired_per_second": round(due / fire),
            "runs_ms": {name: [round(s * 1000, 1) for s in values] for name, values in runs.items()}}


def check_outbox(engine, due: int) -> None:
    """The run left one reminder.due.v1 a fired reminder in the outbox, and one pending SMS an inspection
    reminder fired."""
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM outbox WHERE type = 'reminder.due.v1'")).scalar_one()
        messages = connection.execute(text(
            "SELECT count(*) FROM notifications WHERE channel = 'sms' AND status = 'pending'")).scalar_one()
    if events != due:
        raise RuntimeError(f"{events} reminder.due.v1 in the outbox, expected {due}")
    if messages != due // 2:
        raise RuntimeError(f"{messages} pending SMS, expected {due // 2}")


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
    parser.add_argument("--skip-scheduler", action="store_true", help="only the predictions")
    parser.add_argument("--skip-predictions", action="store_true", help="only the scheduler pass")
    args = parser.parse_args()
    databases = ThrowawayDatabases()
    figures = {}
    try:
        if not args.skip_scheduler:
            url = databases.create("bench_reminders")
            upgrade(url, MIGRATIONS)
            figures["scheduler"] = scheduler_figures(url, args.reminders, args.due, args.repeats)
        if not args.skip_predictions:
            url = databases.create("bench_predictions")
            upgrade(url, MIGRATIONS)
            figures["predictions"] = prediction_figures(url, args.vehicles, args.repeats)
    finally:
        databases.drop_all()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
