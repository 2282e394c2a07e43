"""The console's live updates under load: what 200 open event streams cost the pages, and how soon an event
reaches every stream.

    .venv/bin/python -m bench.console_live [--streams 200] [--rounds 4] [--requests 50] [--events 30]

- The system: the gateway, the customer, complaint and reminder processes (web, relay, consume), the console and
  its live process, each its own OS process (one gunicorn worker per web process) on throwaway PostgreSQL
  databases and a throwaway RabbitMQ vhost, as `make run` runs them.
- The pages: the first admin signed in through the console's form opens Today (`/`) and the complaints list
  (`/complaints`) through the gateway, one request at a time, `--requests` of each per phase. Phases alternate,
  `--rounds` times each, without streams and with `--streams` streams open (opened by a separate process of
  asyncio httpx clients with the admin's session cookie, every one connected before the phase starts; the order
  flips every round, so drift in the machine falls on both alike). Reported: p50/p95 of the time the client saw
  and of the console's server time (Server-Timing), and the ratio with / without of each p95 (target: ≤ 1.5).
- The latency: with the streams open, `--events` complaints filed one by one through the API (POST
  /api/v1/complaints), and as many `complaint.filed.v1` events published straight on the bus; for each, the time
  from just before the call (or the publish) to its arrival on each stream: p50, p99 and the maximum over every
  (event, stream) pair. The filing path includes the complaint service's transaction, its outbox relay (polling
  every 50 ms here) and RabbitMQ; the bus path only RabbitMQ and the live process.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.bus import Outgoing, Publisher, connect
from servicekit.config import Settings
from servicekit.events import EXCHANGE, new_event
from servicekit.processes import ADMIN_PASSWORD, eventually, login, running_system
from servicekit.testing import ThrowawayDatabases, broker_reachable, throwaway_vhost

from bench import keep_results
from bench.console import TIMING, percentile, sign_in

PROCESSES = [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
             ("complaint", "web"), ("complaint", "relay"), ("complaint", "consume"),
             ("reminder", "web"), ("console", "web"), ("console", "live")]
PAGES = {"today": "/", "complaints": "/complaints"}
TARGET_RATIO = 1.5


def _streams(url: str, cookie: str, count: int, arrivals: multiprocessing.Queue, stop: Any) -> None:
    """A separate process: `count` streams open at `url` until `stop` is set; each arrival goes to `arrivals` as
    (complaint id, wall-clock time)."""

    async def one(client: httpx.AsyncClient) -> None:
        async with client.stream("GET", url, cookies={"guanxi_session": cookie}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    arrivals.put((json.loads(line[6:]).get("complaint_id"), time.time()))

    async def main() -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None), limits=limits, trust_env=False) as client:
            tasks = [asyncio.create_task(one(client)) for _ in range(count)]
            while not stop.is_set():
                await asyncio.sleep(0.1)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


class Streams:
    """`count` streams held open by a process of their own (so their reading costs the measuring process nothing)."""

    def __init__(self, live: str, cookie: str, count: int) -> None:
        self.live, self.count = live, count
        context = multiprocessing.get_context("spawn")
        self.arrivals, self.stop = context.Queue(), context.Event()
        self.process = context.Process(target=_streams, args=(f"{live}/live/stream?on=complaint", cookie, count,
                                                              self.arrivals, self.stop))

    def open_streams(self) -> int:
        return httpx.get(f"{self.live}/healthz").json()["streams"]

    def __enter__(self) -> Streams:
        self.process.start()
        eventually(self.open_streams, lambda open_now: open_now >= self.count, timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        eventually(self.open_streams, lambda open_now: open_now == 0, timeout=60)

    def received(self, wanted: int, timeout: float) -> list[tuple[str, float]]:
        """The arrivals until `wanted` of them or `timeout` seconds."""
        found, deadline = [], time.monotonic() + timeout
        while len(found) < wanted and time.monotonic() < deadline:
            try:
                found.append(self.arrivals.get(timeout=max(0.01, deadline - time.monotonic())))
            except Exception:  # queue.Empty: the time is up
                break
        return found


def page_samples(client: httpx.Client, requests: int) -> dict[str, list[dict[str, float]]]:
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in PAGES}
    for _ in range(requests):
        for name, path in PAGES.items():
            started = time.perf_counter()
            response = client.get(path)
            seen = (time.perf_counter() - started) * 1000
            timing = TIMING.search(response.headers.get("Server-Timing", ""))
            if response.status_code != 200 or timing is None:
                raise RuntimeError(f"{path}: {response.status_code}")
            samples[name].append({"client_ms": seen, "server_ms": float(timing["total"])})
    return samples


def latencies(sent: dict[str, float], arrivals: list[tuple[str, float]]) -> dict[str, Any]:
    values = sorted((at - sent[complaint]) * 1000 for complaint, at in arrivals if complaint in sent)
    return {"deliveries": len(values), "p50_ms": round(statistics.median(values), 1),
            "p99_ms": round(percentile(values, 0.99), 1), "max_ms": round(values[-1], 1)}


def run(args: argparse.Namespace, system) -> dict[str, Any]:
    live = f"http://127.0.0.1:{system.processes.env['CRM_CONSOLE_LIVE_PORT']}"
    api = httpx.Client(base_url=f"{system.gateway}/api/v1", headers=login(system.gateway), timeout=30)
    customer = api.post("/customers", json={"name": "压测客户", "phone": "13912345678", "kind": "owner"}).json()["id"]

    def file() -> httpx.Response:
        return api.post("/complaints", json={"customer_id": customer, "channel": "phone", "category": "service",
                                             "severity": "minor", "description": "实时推送压测"})

    eventually(file, lambda answer: answer.status_code == 201, timeout=60)  # the complaint service knows it
    for _ in range(40):
        file()
    results: dict[str, Any] = {}
    with httpx.Client(base_url=system.gateway, timeout=30, trust_env=False, follow_redirects=False,
                      headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as client:
        sign_in(client, "admin", ADMIN_PASSWORD)
        cookie = client.cookies["guanxi_session"]
        page_samples(client, 10)  # warm-up
        phases: dict[str, dict[str, list[dict[str, float]]]] = {
            phase: {name: [] for name in PAGES} for phase in ("none", "streams")}
        for round_number in range(args.rounds):
            order = ("none", "streams") if round_number % 2 == 0 else ("streams", "none")
            for phase in order:
                if phase == "streams":
                    with Streams(live, cookie, args.streams):
                        measured = page_samples(client, args.requests)
                else:
                    measured = page_samples(client, args.requests)
                for name, values in measured.items():
                    phases[phase][name].extend(values)
            print(json.dumps({"round": round_number + 1, "of": args.rounds}), flush=True)
        results["pages"] = {}
        for name in PAGES:
            figures = {}
            for phase in ("none", "streams"):
                samples = phases[phase][name]
                for measure in ("client_ms", "server_ms"):
                    values = [sample[measure] for sample in samples]
                    figures[f"{phase}_{measure[:-3]}_p50_ms"] = round(statistics.median(values), 1)
                    figures[f"{phase}_{measure[:-3]}_p95_ms"] = round(percentile(values, 0.95), 1)
            figures["client_p95_ratio"] = round(figures["streams_client_p95_ms"] / figures["none_client_p95_ms"], 2)
            figures["server_p95_ratio"] = round(figures["streams_server_p95_ms"] / figures["none_server_p95_ms"], 2)
            figures["meets_target"] = figures["client_p95_ratio"] <= TARGET_RATIO
            results["pages"][name] = figures

        with Streams(live, cookie, args.streams) as streams:
            sent: dict[str, float] = {}
            for _ in range(args.events):
                started = time.time()
                answer = file()
                sent[answer.json()["id"]] = started
                time.sleep(0.2)
            results["api_to_stream"] = latencies(sent, streams.received(args.events * args.streams, 30))
            bus_sent: dict[str, float] = {}
            settings = Settings.from_env("console_live", {"CRM_BROKER_URL": system.processes.env["CRM_BROKER_URL"],
                                                          "CRM_VAR_DIR": system.processes.env["CRM_VAR_DIR"]})
            with connect(settings) as connection:
                publisher = Publisher(connection)
                for _ in range(args.events):
                    complaint = str(uuid.uuid4())
                    event = new_event("complaint", "complaint.filed.v1", complaint,
                                      {"complaint_id": complaint, "customer_id": customer, "store_id": None})
                    bus_sent[complaint] = time.time()
                    publisher.publish([Outgoing(EXCHANGE, event.type, event.to_json(), event.id)])
                    time.sleep(0.2)
            results["bus_to_stream"] = latencies(bus_sent, streams.received(args.events * args.streams, 30))
    api.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4, help="phases of each kind, alternating")
    parser.add_argument("--requests", type=int, default=50, help="requests per page per phase")
    parser.add_argument("--events", type=int, default=30, help="complaints filed (and events published)")
    args = parser.parse_args()
    problem = broker_reachable()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                               "python": sys.version.split()[0], **vars(args)}
    databases = ThrowawayDatabases()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-live-") as folder, throwaway_vhost("bench") as amqp_url, \
                running_system(Path(folder), databases.create, amqp_url, PROCESSES, DEFAULT_UPSTREAMS, env={
                    "CRM_RATE_LIMIT": "1000000/minute", "CRM_TOKEN_RATE_LIMIT": "10000/minute"}) as system:
            results.update(run(args, system))
    finally:
        databases.drop_all()
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\n{args.streams} streams, {args.rounds} rounds of {args.requests} requests per page, "
          f"{os.cpu_count()} cores\n")
    print("| page | client p50 / p95, no streams | client p50 / p95, streams open | p95 ratio | server p95 ratio |")
    print("|---|---|---|---|---|")
    for name, page in results["pages"].items():
        print(f"| {name} | {page['none_client_p50_ms']} / {page['none_client_p95_ms']} ms | "
              f"{page['streams_client_p50_ms']} / {page['streams_client_p95_ms']} ms | "
              f"{page['client_p95_ratio']} x ({'met' if page['meets_target'] else 'missed'}) | "
              f"{page['server_p95_ratio']} x |")
    for path in ("api_to_stream", "bus_to_stream"):
        figures = results[path]
        print(f"\n{path}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms "
              f"({figures['deliveries']} deliveries)")
    keep_results("console_live.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
