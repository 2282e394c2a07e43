"""The staff console at size: server time of its Today, customer 360 and search pages with 1,000,000 customers in
the archive (PostgreSQL), and the share of it the console adds to the API calls each page makes.

    .venv/bin/python -m bench.console [--customers 1000000] [--requests 200] [--workers 1]

- The archive: N generated customers with their phones, search keys and vehicles, loaded with COPY into a
  throwaway customer database exactly as bench.customers loads it (bench.customers.load_archive).
- The system: the gateway and the customer, complaint and reminder web processes and the console, each its own
  process (gunicorn, `--workers` each) on throwaway PostgreSQL databases and a throwaway RabbitMQ vhost, as
  `make run` runs them; the console calls the API through the gateway.
- The person: signed in to the console through the gateway with its form (CSRF token and session cookie), as a
  browser does, then opening each page `--requests` times, the three pages interleaved, one request at a time
  on one keep-alive connection: Today (`/`), a customer's page (`/customers/<id>`, a different customer each
  time) and the search page (`/search?q=<term>`, what staff type: names, pinyin, initials, a phone's last 4
  digits, plates, a VIN's last 6), after a warm-up of 10 of each.
- The figures: every console answer carries `Server-Timing: api;dur=<ms>;desc="<n> calls", total;dur=<ms>`, the
  time the page took in the console and the time it waited for its API calls (calls made side by side counted
  once). Reported per page: p50/p95 of total (the server time), of api, and of their ratio total / api
  (target: at most 1.3, the console adding at most 30 % to its API calls; and total p95 at most 300 ms), the
  API calls per page, the statuses seen, and the time the client saw through the gateway. A page that made no
  API call has no ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import running_system
from servicekit.testing import ThrowawayDatabases, broker_reachable, throwaway_vhost

from bench import keep_results
from bench.customers import load_archive

SEED = 15
PROCESSES = [("customer", "web"), ("complaint", "web"), ("reminder", "web"), ("console", "web")]
TIMING = re.compile(r'api;dur=(?P<api>[\d.]+);desc="(?P<calls>\d+) calls", total;dur=(?P<total>[\d.]+)')
#: What staff type into the search, from the samples the archive's loading keeps.
SEARCH_KINDS = ("name", "pinyin", "initials", "phone_4", "plate", "vin_6")
WARM_UP = 10
TARGET_RATIO, TARGET_P95_MS = 1.3, 300.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    """Sign in through the console's form, as a browser does (its CSRF token, its session cookie)."""
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or not token:
        raise RuntimeError(f"no sign-in form: {form.status_code} {form.text[:300]}")
    answer = client.post("/signin", data={"username": username, "password": password, "csrf_token": token[1]})
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in refused: {answer.status_code} {answer.text[:300]}")


def customer_ids(url: str, count: int) -> list[str]:
    """`count` customers picked at random from the archive."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        rows = connection.execute("SELECT id FROM customers TABLESAMPLE SYSTEM (1) LIMIT %s", (count * 4,)).fetchall() \
            or connection.execute("SELECT id FROM customers LIMIT %s", (count * 4,)).fetchall()  # a small archive
    ids = [str(row[0]) for row in rows]
    random.Random(SEED).shuffle(ids)
    return ids[:count]


def measure(client: httpx.Client, path: str) -> dict[str, Any]:
    """One page: its status, the Server-Timing figures, and the time the client saw."""
    started = time.perf_counter()
    response = client.get(path)
    seen_ms = (time.perf_counter() - started) * 1000
    timing = TIMING.search(response.headers.get("Server-Timing", ""))
    if timing is None:
        raise RuntimeError(f"{path}: no Server-Timing in the console's answer ({response.status_code})")
    return {"status": response.status_code, "api_ms": float(timing["api"]), "calls": int(timing["calls"]),
            "total_ms": float(timing["total"]), "client_ms": seen_ms}


def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p95 of each figure of one page's samples."""
    totals = [sample["total_ms"] for sample in samples]
    apis = [sample["api_ms"] for sample in samples]
    ratios = [sample["total_ms"] / sample["api_ms"] for sample in samples if sample["calls"] and sample["api_ms"] > 0]
    figures: dict[str, Any] = {
        "requests": len(samples),
        "statuses": {str(status): sum(s["status"] == status for s in samples)
                     for status in sorted({s["status"] for s in samples})},
        "calls_p50": statistics.median(sample["calls"] for sample in samples),
        "total_p50_ms": round(statistics.median(totals), 1), "total_p95_ms": round(percentile(totals, 0.95), 1),
        "api_p50_ms": round(statistics.median(apis), 1), "api_p95_ms": round(percentile(apis, 0.95), 1),
        "console_own_p50_ms": round(statistics.median(t - a for t, a in zip(totals, apis, strict=True)), 1),
        "client_p50_ms": round(statistics.median(sample["client_ms"] for sample in samples), 1),
        "client_p95_ms": round(percentile([sample["client_ms"] for sample in samples], 0.95), 1),
    }
    if ratios:
        figures.update(ratio_p50=round(statistics.median(ratios), 2), ratio_p95=round(percentile(ratios, 0.95), 2),
                       # the whole run's: the console's time over the API's, every request weighed by its time
                       ratio_of_sums=round(sum(totals) / sum(apis), 2))
    figures["meets_targets"] = (figures["total_p95_ms"] <= TARGET_P95_MS
                                and figures.get("ratio_p50", 0.0) <= TARGET_RATIO)
    return figures


def pages_figures(base: str, ids: list[str], terms: list[str], requests: int) -> dict[str, Any]:
    """Sign in as the first admin and open each page `requests` times (after a warm-up), interleaved."""
    from servicekit.processes import ADMIN_PASSWORD

    pages = {"today": lambda index: "/",
             "customer": lambda index: f"/customers/{ids[index % len(ids)]}",
             "search": lambda index: f"/search?{httpx.QueryParams({'q': terms[index % len(terms)]})}"}
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in pages}
    with httpx.Client(base_url=base, timeout=30, trust_env=False, follow_redirects=False,
                      headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as client:
        sign_in(client, "admin", ADMIN_PASSWORD)
        for index in range(WARM_UP):
            for path in pages.values():
                measure(client, path(requests + index))
        for index in range(requests):
            for name, path in pages.items():
                samples[name].append(measure(client, path(index)))
    return {name: summary(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers of each web process")
    args = parser.parse_args()
    problem = broker_reachable()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from customer.entrypoints.runner import MIGRATIONS
    from servicekit.db import upgrade

    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                               "python": sys.version.split()[0], "customers": args.customers,
                               "requests": args.requests, "workers": args.workers}
    databases = ThrowawayDatabases()
    try:
        urls = {"customer": databases.create("customer")}
        upgrade(urls["customer"], MIGRATIONS)
        started = time.perf_counter()
        samples = load_archive(urls["customer"], args.customers)
        results["load_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps({"loaded": args.customers, "seconds": results["load_s"]}), flush=True)
        terms = [term for kind in SEARCH_KINDS for term in samples[kind][:40]]
        random.Random(SEED).shuffle(terms)
        ids = customer_ids(urls["customer"], args.requests + WARM_UP)

        def database_url(service: str) -> str:
            if service not in urls:
                urls[service] = databases.create(service)
            return urls[service]

        with tempfile.TemporaryDirectory(prefix="bench-console-") as folder, throwaway_vhost("bench") as amqp_url, \
                running_system(Path(folder), database_url, amqp_url, PROCESSES, DEFAULT_UPSTREAMS, env={
                    "CRM_WEB_WORKERS": str(args.workers), "CRM_RATE_LIMIT": "1000000/minute",
                    "CRM_TOKEN_RATE_LIMIT": "10000/minute"}) as system:
            results["pages"] = pages_figures(system.gateway, ids, terms, args.requests)
    finally:
        databases.drop_all()
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\n{args.customers:,} customers, {args.requests} requests per page, {args.workers} worker(s) per web "
          f"process, {os.cpu_count()} cores\n")
    print("| page | server time p50 / p95 | API wait p50 / p95 (calls) | total / API p50 (p95) | targets |")
    print("|---|---|---|---|---|")
    for name, page in results["pages"].items():
        ratio = (f"{page['ratio_p50']:.2f} x ({page['ratio_p95']:.2f} x)" if "ratio_p50" in page
                 else "no API call")
        print(f"| {name} | {page['total_p50_ms']:.1f} / {page['total_p95_ms']:.1f} ms | "
              f"{page['api_p50_ms']:.1f} / {page['api_p95_ms']:.1f} ms ({page['calls_p50']:g}) | {ratio} | "
              f"{'met' if page['meets_targets'] else 'missed'} (statuses {page['statuses']}) |")
    keep_results("console.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
