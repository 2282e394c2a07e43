"""Run every benchmark in one go and print the figures as a Markdown table (ratios to same-run baselines).

    make bench            # or: .venv/bin/python -m bench [--events 20000]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

from servicekit.events import new_event
from servicekit.testing import ThrowawayDatabases, broker_reachable, throwaway_vhost

from bench import broker, bus

SAMPLE = {"customer_id": "0b6f1c3e-4a39-4a51-9d6f-2f8f5b4e7a10", "kind": "service", "odometer_km": 41250,
          "amount": "1280.00", "staff": "wang.wei", "notes": "首保完成，客户满意"}


def bus_figures(events: int) -> dict:
    """Raw pika publish/consume and the kit's relay/consumer, on one fresh vhost and database."""
    body = new_event("bench", "bench.happened.v1", "agg-1", SAMPLE).to_json().encode()
    figures = {}
    databases = ThrowawayDatabases()
    try:
        with throwaway_vhost("bench") as url:
            bus.declare_queue(url, "bench.raw")
            figures["raw_publish_blocking"] = broker.publish_blocking(url, "bench.happened.v1", body, min(events, 3000))
            figures["raw_publish_pipelined"] = broker.publish_pipelined(url, "bench.happened.v1", body, events)
            total = min(events, 3000) + events
            figures["raw_consume"] = broker.consume(url, "bench.raw", total, prefetch=200)
        with throwaway_vhost("bench") as url:
            bus.declare_queue(url, "bench.kit")
            figures["relay_drain"] = bus.relay_drain(databases.create("relay"), url, events, SAMPLE)
            figures["kit_consume"] = bus.consume_apply(databases.create("consumer"), url, "bench.kit",
                                                       events, prefetch=200)
    finally:
        databases.drop_all()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args()
    problem = broker_reachable()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    figures = bus_figures(args.events)
    if not args.skip_gateway:
        from bench import gateway
        figures.update(gateway.figures())
    rows = [
        ("raw publish, blocking (1 confirm at a time)", f"{figures['raw_publish_blocking']:,.0f} msg/s", "baseline"),
        ("raw publish, pipelined (200 confirms in flight)", f"{figures['raw_publish_pipelined']:,.0f} msg/s",
         "baseline"),
        ("relay draining the outbox (PostgreSQL)", f"{figures['relay_drain']:,.0f} ev/s",
         f"{figures['relay_drain'] / figures['raw_publish_pipelined']:.2f} x pipelined (target >= 0.7)"),
        ("raw consume, ack each", f"{figures['raw_consume']:,.0f} msg/s", "baseline"),
        ("kit consumer, inbox on PostgreSQL", f"{figures['kit_consume']:,.0f} ev/s",
         f"{figures['kit_consume'] / figures['raw_consume']:.2f} x raw consume (target >= 0.5)"),
    ]
    if "direct_rps" in figures:
        rows += [
            ("customer read, direct", f"{figures['direct_rps']:,.0f} req/s, p50 {figures['direct_p50_ms']:.2f} ms",
             "baseline"),
            ("customer read, through the gateway",
             f"{figures['gateway_rps']:,.0f} req/s, p50 {figures['gateway_p50_ms']:.2f} ms",
             f"{figures['gateway_rps'] / figures['direct_rps']:.2f} x direct (target >= 0.6); "
             f"+{figures['gateway_p50_ms'] - figures['direct_p50_ms']:.2f} ms p50 (target < 3 ms)"),
        ]
    print(f"\nMachine: {platform.machine()}, Python {platform.python_version()}, {args.events:,} events\n")
    print("| measurement | figure | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
