"""Membership points on PostgreSQL: what earning costs a visit, and what the row lock costs under contention.

    .venv/bin/python -m bench.points [--operations 2000] [--threads 8] [--repeats 3]

- earning: record `--operations` service visits that carry an amount (visit, ledger entry, balance and
  tier update, both events) against the baseline: the same visits without an amount (no points).
- contention: `--operations` redemptions of one point from `--threads` threads all on ONE customer (each
  waits for the row lock of the one before) against the baseline: the same redemptions spread over
  `--operations` customers (no waiting). Both through the service layer, in a throwaway database.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from customer.domain.points import PointsPolicy
from customer.entrypoints.runner import MIGRATIONS
from customer.service_layer import points
from customer.service_layer.customers import create_customer
from customer.service_layer.visits import record_visit
from servicekit.db import make_engine, make_session_factory, upgrade
from servicekit.testing import ThrowawayDatabases

POLICY = PointsPolicy()


def _customers(sessions, count: int, prefix: int) -> list[str]:
    return [create_customer(sessions, {"name": "积分客户", "phone": f"1{prefix}{n:08d}", "kind": "owner"},
                            "bench")["id"] for n in range(count)]


def _timed(calls, threads: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
    return time.perf_counter() - start


def earning(sessions, operations: int, threads: int, prefix: int) -> tuple[float, float]:
    """(seconds for visits with an amount, seconds for the same visits without one)."""
    ids = _customers(sessions, threads, prefix)

    def visit(customer_id: str, amount: Decimal | None):
        return lambda: record_visit(sessions, customer_id, {"kind": "service", "service_type": "maintenance",
                                                          "amount": amount}, "bench", POLICY)

    with_amount = [visit(ids[n % threads], Decimal("680.00")) for n in range(operations)]
    without = [visit(ids[n % threads], None) for n in range(operations)]
    return _timed(with_amount, threads), _timed(without, threads)


def contention(sessions, operations: int, threads: int, prefix: int) -> tuple[float, float]:
    """(seconds for redemptions on one customer, seconds for the same spread over many customers)."""
    one = _customers(sessions, 1, prefix)[0]
    many = _customers(sessions, operations, prefix + 1)
    for customer_id in [one, *many]:
        points.adjust(sessions, customer_id, operations, "bench", "bench", POLICY)

    def redeem(customer_id: str):
        return lambda: points.redeem(sessions, customer_id, 1, "bench", "bench", POLICY)

    return _timed([redeem(one)] * operations, threads), _timed([redeem(c) for c in many], threads)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.points")
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    databases = ThrowawayDatabases()
    runs: dict[str, list[float]] = {"earning_ratio": [], "contention_ratio": []}
    try:
        url = databases.create("points")
        upgrade(url, MIGRATIONS)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        for repeat in range(args.repeats):
            earned, plain = earning(sessions, args.operations, args.threads, 30 + 3 * repeat)
            contended, spread = contention(sessions, args.operations, args.threads, 31 + 3 * repeat)
            runs["earning_ratio"].append(earned / plain)
            runs["contention_ratio"].append(contended / spread)
            print(json.dumps({"repeat": repeat, "visits_with_points_s": round(earned, 3),
                              "visits_without_points_s": round(plain, 3), "redeem_one_customer_s": round(contended, 3),
                              "redeem_many_customers_s": round(spread, 3),
                              "ops_per_s_one_customer": round(args.operations / contended)}))
        engine.dispose()
    finally:
        databases.drop_all()
    print(json.dumps({name: round(statistics.median(values), 2) for name, values in runs.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
