"""Run every benchmark in one go and print the figures as a Markdown table (ratios to same-run baselines).

    make bench            # or: .venv/bin/python -m bench [--events 20000]

Each area's benchmarks at size run on their own (docs/benchmarks.md gives their figures):

    .venv/bin/python -m bench.complaints   # SLA scan, filing through the gateway
    .venv/bin/python -m bench.reminders    # scheduler pass, prediction recompute
    .venv/bin/python -m bench.points       # points earning and redemption under contention
    .venv/bin/python -m bench.customers    # bulk import, export memory, search latency
    .venv/bin/python -m bench.reports      # report latency at size, event apply rate
    .venv/bin/python -m bench.console      # the console's Today, customer 360 and search pages at size
    .venv/bin/python -m bench.console_live # the console's pages with 200 live streams open, event-to-stream latency
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from servicekit.events import new_event
from servicekit.testing import ThrowawayDatabases, broker_reachable, throwaway_vhost

from bench import broker, bus, keep_results

#: The same prefetch for the raw and the kit consumer (the kit applies half of it per transaction).
PREFETCH = 1000
SAMPLE = {"customer_id": "0b6f1c3e-4a39-4a51-9d6f-2f8f5b4e7a10", "kind": "service", "odometer_km": 41250,
          "amount": "1280.00", "staff": "wang.wei", "notes": "首保完成，客户满意"}


def bus_figures(events: int, repeats: int) -> dict:
    """Raw pika publish/consume and the kit's relay/consumer, interleaved `repeats` times; medians."""
    body = new_event("bench", "bench.raw.v1", "agg-1", SAMPLE).to_json().encode()
    runs: dict[str, list[float]] = {name: [] for name in
                                    ("raw_publish_pipelined", "raw_consume", "relay_drain", "kit_consume",
                                     "kit_consume_writing", "kit_consume_writing_unpipelined")}
    cpu: dict[str, list[float]] = {name: [] for name in ("raw_consume", "kit_consume", "kit_consume_writing")}

    def timed(name: str, count: int, run, *args, **kwargs) -> None:
        """`run(*args, **kwargs)`, its figure kept under `name`, and the process's CPU time per message."""
        start = time.process_time()
        runs[name].append(run(*args, **kwargs))
        if name in cpu:
            cpu[name].append((time.process_time() - start) / count * 1e6)

    databases = ThrowawayDatabases()
    try:
        with throwaway_vhost("bench") as url:
            bus.declare_queue(url, "bench.raw", "bench.raw.v1")
            bus.declare_queue(url, "bench.kit", "bench.happened.v1")
            blocking = broker.publish_blocking(url, "bench.raw.v1", body, min(events, 3000))
            broker.consume(url, "bench.raw", min(events, 3000), prefetch=PREFETCH)
            for _ in range(repeats):
                runs["raw_publish_pipelined"].append(broker.publish_pipelined(url, "bench.raw.v1", body, events))
                timed("raw_consume", events, broker.consume, url, "bench.raw", events, prefetch=PREFETCH)
                runs["relay_drain"].append(bus.relay_drain(databases.create("relay"), url, events, SAMPLE))
                timed("kit_consume", events, bus.consume_apply, databases.create("consumer"), url, "bench.kit",
                      events, prefetch=PREFETCH, handler_writes=False)
                bus.relay_drain(databases.create("relay"), url, events, SAMPLE)  # the next run's events
                timed("kit_consume_writing", events, bus.consume_apply, databases.create("consumer"), url,
                      "bench.kit", events, prefetch=PREFETCH, handler_writes=True)
                bus.relay_drain(databases.create("relay"), url, events, SAMPLE)
                runs["kit_consume_writing_unpipelined"].append(bus.consume_apply(
                    databases.create("consumer"), url, "bench.kit", events, prefetch=PREFETCH, handler_writes=True,
                    pipelined=False))
    finally:
        databases.drop_all()
    figures = {name: statistics.median(values) for name, values in runs.items()}
    figures["cpu_us_per_message"] = {name: statistics.median(values) for name, values in cpu.items()}

    def ratio(name: str, baseline: str = "raw_consume") -> float:
        """The median of the runs' ratios to the baseline of the same run."""
        return statistics.median(value / base for value, base in zip(runs[name], runs[baseline], strict=True))

    figures.update(raw_publish_blocking=blocking, runs=runs, kit_consume_writing_ratio=ratio("kit_consume_writing"),
                   kit_consume_writing_unpipelined_ratio=ratio("kit_consume_writing_unpipelined"),
                   pipelined_over_unpipelined=ratio("kit_consume_writing", "kit_consume_writing_unpipelined"))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs; the medians are reported")
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args()
    problem = broker_reachable()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    figures = bus_figures(args.events, args.repeats)
    if not args.skip_gateway:
        from bench import gateway
        figures.update(gateway.figures())
    rows = [
        ("raw publish, blocking (1 confirm at a time)", f"{figures['raw_publish_blocking']:,.0f} msg/s", "baseline"),
        ("raw publish, pipelined (200 confirms in flight)", f"{figures['raw_publish_pipelined']:,.0f} msg/s",
         "baseline"),
        ("relay draining the outbox (PostgreSQL)", f"{figures['relay_drain']:,.0f} ev/s",
         f"{figures['relay_drain'] / figures['raw_publish_pipelined']:.2f} x pipelined (target >= 0.7)"),
        (f"raw consume, ack each (prefetch {PREFETCH})", f"{figures['raw_consume']:,.0f} msg/s", "baseline"),
        ("kit consumer, inbox on PostgreSQL (no-op handler)", f"{figures['kit_consume']:,.0f} ev/s",
         f"{figures['kit_consume'] / figures['raw_consume']:.2f} x raw consume (target >= 0.5)"),
        ("kit consumer, handler writing one row per event", f"{figures['kit_consume_writing']:,.0f} ev/s",
         f"{figures['kit_consume_writing_ratio']:.2f} x raw consume (target >= 0.5); "
         f"{figures['pipelined_over_unpipelined']:.2f} x INSERTs awaited one by one"),
        ("kit consumer, handler writing one row per event, INSERTs awaited one by one (before pipelining)",
         f"{figures['kit_consume_writing_unpipelined']:,.0f} ev/s",
         f"{figures['kit_consume_writing_unpipelined_ratio']:.2f} x raw consume"),
        ("CPU per message (the process's CPU time / messages): raw consume, kit no-op, kit writing",
         " / ".join(f"{figures['cpu_us_per_message'][name]:.0f}"
                    for name in ("raw_consume", "kit_consume", "kit_consume_writing")) + " µs",
         f"{figures['cpu_us_per_message']['kit_consume_writing'] / figures['cpu_us_per_message']['raw_consume']:.2f}"
         " x raw (writing)"),
    ]
    if "direct_rps" in figures:
        rows += [
            ("customer read, minimal Flask + SQLAlchemy Core app (same SELECT)",
             f"{figures['minimal_rps']:,.0f} req/s, p50 {figures['minimal_p50_ms']:.2f} ms", "baseline"),
            ("customer read, direct", f"{figures['direct_rps']:,.0f} req/s, p50 {figures['direct_p50_ms']:.2f} ms",
             f"{figures['direct_rps'] / figures['minimal_rps']:.2f} x minimal by the median round, "
             f"{figures['direct_best_rps'] / figures['minimal_best_rps']:.2f} by the best (target >= 0.7)"),
            ("customer read, through the gateway under gunicorn (CRM_WEB_SERVER=gunicorn)",
             f"{figures['gateway_rps']:,.0f} req/s, p50 {figures['gateway_p50_ms']:.2f} ms",
             f"{figures['gateway_rps'] / figures['direct_rps']:.2f} x direct by the median round, "
             f"{figures['gateway_best_rps'] / figures['direct_best_rps']:.2f} by the best (target >= 0.8); "
             f"+{figures['gateway_p50_ms'] - figures['direct_p50_ms']:.2f} ms p50 (target < 1 ms)"),
            ("customer read, through the gateway under granian (its default)",
             f"{figures['gateway_granian_rps']:,.0f} req/s, p50 {figures['gateway_granian_p50_ms']:.2f} ms",
             f"{figures['gateway_granian_to_direct']:.2f} x direct by the median round, "
             f"{figures['gateway_granian_to_direct_best']:.2f} by the best (target >= 0.8); "
             f"+{figures['gateway_granian_added_p50_ms']:.2f} ms p50 (target < 1 ms)"),
        ]
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.events:,} events per run, median of {args.repeats} interleaved runs\n")
    print("| measurement | figure | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    keep_results("latest.json", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
