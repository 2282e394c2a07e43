"""The reporting read model of a generated history, computed in memory by the service's own code and written
with COPY: a million customers in minutes rather than the hours of applying 8 million events one batch at a time.

    .venv/bin/python -m bench.readmodel postgresql://postgres@127.0.0.1:5432/bench_reports_x --customers 10000

The events of a generated customer (bench.generate) touch only that customer's records: no merges, no
move to another store. So each customer's events are applied by the service's handlers
(reporting.service_layer.projection.apply_event) to records held in memory, starting from none, with no
database behind them (`_Memory` fails loudly if a handler asks for one). The records they leave are the
rows of customers, vehicles, visits, complaints, reminders and appointments. Their figures: a record's
tally changes add up to what its final state contributes (each change is after − before, from nothing),
so the handlers are told to leave the tallies alone (record_keeping.DEFER_TALLIES) and each final record's
contribution (record_keeping.contribution_of) is added instead, once, with what the handlers add directly
(survey scores). The sum over the whole history becomes the day, month and year rows of `tallies` by the
code the consumer writes them with (reporting.adapters.tally_writer.grain_rows). Records are written with
servicekit.db.bulk_insert (COPY on PostgreSQL) by `--parts` processes, each generating and applying its
share of the customers; the tallies then by the parent; then the database is analysed.

What it leaves out: the kit's inbox (which event ids were applied: the consumer's idempotency, never read
by a report). The apply path itself (inbox, prepare, upserts per batch) is what bench.reports measures
as the apply rate. services/reporting/tests/unit/test_bulk_load.py checks that the reports of a
bulk-loaded history equal those of the same history applied as events.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from reporting.adapters import record_cache, tally_writer
from reporting.adapters.tables import freshness
from reporting.adapters.tables import tallies as tallies_table
from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer import projection, record_keeping, reminder_steps
from servicekit.db import bulk_insert, make_engine, make_session_factory, upgrade
from servicekit.events import Event
from sqlalchemy import Table, text

from bench.generate import History


class _Known(dict):
    """Records held in memory: a key not here is a record that does not exist (never looked up elsewhere)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: object) -> object:
        return record_cache.ABSENT


class _Memory:
    """What the handlers use of a Session, with every record they may read held in `info`: no database."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {"reporting.any_merges": False, "reporting.rebuilding": False,
                                     reminder_steps.UNPLACED: False, record_keeping.DEFER_TALLIES: True}

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a handler wanted the database: this history needs the event-by-event load")

    connection = get_bind = execute


class ReadModel:
    """Groups of independent events (a customer's each) applied in memory; the rows they leave."""

    def __init__(self) -> None:
        self.session = _Memory()

    def apply(self, events: Iterable[Event]) -> dict[Table, list[dict[str, Any]]]:
        """Apply events whose records no other group touches; the records they leave, by table."""
        session = self.session
        info = session.info
        info[record_cache._ROWS] = _Known()
        info.pop(record_cache._INDEXES, None)  # they index the rows just dropped
        for event in events:
            projection.apply_event(session, event)  # type: ignore[arg-type]
        dirty = info.pop(record_cache._DIRTY, None) or {}
        rows = info[record_cache._ROWS]
        result: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        for (name, key), (_, table) in dirty.items():
            row = rows[name, key]
            tally_writer.add(session, record_keeping.contribution_of(table, row))  # type: ignore[arg-type]
            defaults = record_cache.column_defaults(table)
            result[table].append({name: row.get(name, default) for name, default in defaults})
        return result

    def state(self) -> tuple[dict, str | None, int]:
        """(pending tally changes, newest event time, events applied)."""
        info = self.session.info
        return info.get(tally_writer._PENDING) or {}, info.get(tally_writer._NEWEST), info.get(tally_writer._APPLIED, 0)


def _apply_and_write(database_url: str, groups: Iterable[Iterable[Event]], chunk: int) -> dict[str, Any]:
    """Apply the groups in memory, writing their records every `chunk` rows; the tallies are left to the caller."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    model = ReadModel()
    buffers: dict[Table, list[dict[str, Any]]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    timings = {"apply_s": 0.0, "write_s": 0.0}

    def write(session) -> None:
        begun = time.perf_counter()
        for table, rows in buffers.items():
            bulk_insert(session, table, rows)
            counts[table.name] += len(rows)
        session.commit()
        buffers.clear()
        timings["write_s"] += time.perf_counter() - begun

    with sessions() as session:
        buffered = 0
        group_iter = iter(groups)
        while True:
            begun = time.perf_counter()
            group = next(group_iter, None)  # generating counts as applying here: both are this process's work
            if group is None:
                break
            for table, rows in model.apply(group).items():
                buffers[table].extend(rows)
                buffered += len(rows)
            timings["apply_s"] += time.perf_counter() - begun
            if buffered >= chunk:
                write(session)
                buffered = 0
        write(session)
    engine.dispose()
    pending, newest, applied = model.state()
    return {"pending": pending, "newest": newest, "applied": applied, "counts": dict(counts), **timings}


def _part(job: tuple[str, dict[str, Any], int, int, int]) -> dict[str, Any]:
    """One worker process: the customers part, part + parts, … of the history."""
    database_url, sizes, part, parts, chunk = job
    history = History(**sizes)
    groups = (history.customer_history(index).events for index in range(part, history.customers, parts))
    return _apply_and_write(database_url, groups, chunk)


def load_groups(database_url: str, groups: Iterable[Iterable[Event]] | None = None, history: History | None = None,
                parts: int = 1, chunk: int = 50_000) -> dict[str, Any]:
    """Apply each group of events (or `history`'s customers, in `parts` processes) in memory and bulk-write
    the read model they leave into `database_url` (migrated here)."""
    upgrade(database_url, MIGRATIONS)
    started = time.perf_counter()
    if history is not None and parts > 1:
        sizes = {"seed": history.seed, "customers": history.customers, "visits": history.visits,
                 "complaints": history.complaints}
        with multiprocessing.get_context("fork").Pool(parts) as pool:
            results = pool.map(_part, [(database_url, sizes, part, parts, chunk) for part in range(parts)])
    else:
        if history is not None:
            groups = (customer.events for customer in history.histories())
        results = [_apply_and_write(database_url, groups or (), chunk)]
    records_s = time.perf_counter() - started
    pending: dict = {}
    counts: dict[str, int] = defaultdict(int)
    newest, applied = None, 0
    for result in results:
        for key, (count, amount) in result["pending"].items():
            old = pending.get(key, (0, 0))
            pending[key] = (old[0] + count, old[1] + amount)
        for name, count in result["counts"].items():
            counts[name] += count
        if result["newest"] and (newest is None or result["newest"] > newest):
            newest = result["newest"]
        applied += result["applied"]
    engine = make_engine(database_url)
    begun = time.perf_counter()
    rows = tally_writer.grain_rows(pending)
    with make_session_factory(engine)() as session:
        for start in range(0, len(rows), chunk):
            bulk_insert(session, tallies_table, rows[start:start + chunk])
        session.execute(freshness.insert().values(id=1, last_event_time=newest, events_applied=applied,
                                                  last_applied_at=datetime.now(UTC)))
        session.commit()
    counts["tallies"] = len(rows)
    timings = {"records_s": records_s, "tallies_s": time.perf_counter() - begun,
               "worker_apply_s": sum(r["apply_s"] for r in results),
               "worker_write_s": sum(r["write_s"] for r in results)}
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            begun = time.perf_counter()
            connection.execute(text("ANALYZE"))
            timings["analyze_s"] = time.perf_counter() - begun
    engine.dispose()
    elapsed = time.perf_counter() - started
    return {"events": applied, "seconds": round(elapsed, 1), "events_per_s": round(applied / elapsed), "parts": parts,
            **{name: round(value, 1) for name, value in timings.items()}, "rows": dict(counts)}


def load(database_url: str, history: History, **options: Any) -> dict[str, Any]:
    """The read model of a generated history, bulk-loaded (one group of events per customer)."""
    return load_groups(database_url, history=history, **options)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readmodel", description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=None, help="default: 3 per customer")
    parser.add_argument("--complaints", type=int, default=None, help="default: 1 per 5 customers")
    parser.add_argument("--parts", type=int, default=2, help="processes generating and applying")
    args = parser.parse_args()
    history = History(seed=args.seed, customers=args.customers, visits=args.visits or args.customers * 3,
                      complaints=args.complaints if args.complaints is not None else args.customers // 5)
    print(json.dumps(load(args.database_url, history, parts=args.parts), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
