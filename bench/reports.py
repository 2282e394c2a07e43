"""Reporting at dealership scale: report latency over a generated history, and the rate events are applied.

    .venv/bin/python -m bench.reports                                 # the issue's sizes
    .venv/bin/python -m bench.reports --customers 100000 --visits 300000 --complaints 20000
    .venv/bin/python -m bench.reports --database-url postgresql://…/loaded --skip-load   # measure again

1. Apply rate: the same generated events (CloudEvents as the producers publish them) are put on three
   RabbitMQ queues; plain pika consumes one (ack each: the raw consume rate), the kit's consumer with a
   handler that does nothing the second (its own cost: inbox, commit, ack), and the reporting consumer
   (`python -m reporting consume`'s Consumer and handlers, PostgreSQL) applies the third, all three with the
   prefetch the reporting consumer is deployed with (`--prefetch`; raw consume's rate is the same at 1,000),
   with the folder of the tallies' changes beside it as deployed. All three again, `--apply-repeats` times
   (fresh databases each time), interleaved so that the noise of the shared machine falls on the baseline
   and the consumers alike. The figure is events applied per second as a ratio of the
   raw rate in the same run; the median of those ratios. `reporting_folded` counts the time until the
   changes are folded into the tallies too (what the folder had left when the last event was applied,
   folded then). Beside the rates, the CPU an event costs: the consumer's process, and this machine's
   PostgreSQL and RabbitMQ (`ceiling_ratio`: the consumer's CPU alone allows at most that ratio;
   `machine_ceiling_ratio`: all three on every core of the machine).
2. Read model: a generated history of `--customers` customers, about `--visits` visits and
   `--complaints` complaints (bench.generate), loaded into a throwaway PostgreSQL database (kept with
   `--keep`). By default in bulk (bench.readmodel: the service's handlers on each customer's events in
   memory, the records and tallies they leave written with COPY, `--load-parts` processes); with
   `--load-by events` applied by the consumer's apply_batch in transactions of `--load-batch` events (the
   same read model, checked by services/reporting/tests/unit/test_bulk_load.py, but hours at full size).
3. Latency: `python -m reporting web` (gunicorn, 2 workers) on that database; each report is asked
   `--requests` times over one keep-alive connection for the last twelve months (the default period),
   then once per month of the last year, then the value report's first segment page; p50 and p99 per
   report, against the p50 of /healthz measured the same way (the cost of HTTP alone); then all of it again
   as a viewer tied to one store (the reports cut to that store's figures and customers).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from kombu import Connection
from servicekit.bus import Outgoing, Publisher
from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory, upgrade
from servicekit.processes import Processes, clean_env, free_port, wait_until_ready
from servicekit.testing import ThrowawayDatabases, throwaway_vhost
from sqlalchemy import func, select

from bench import broker, readmodel
from bench.bus import consume_rate
from bench.generate import STORES, History
from bench.replicas import replicas_rate
from servicekit import topology

REPORTS = ("prospects", "owners", "customer-flow", "churn", "value", "complaints", "callbacks", "staff", "monthly")
QUEUE = "reporting.read_model"


def apply_rate(databases: ThrowawayDatabases, amqp_url: str, events: int, prefetch: int, repeats: int = 3,
               order: str = "customer", thread: bool = False, replicas: int = 1) -> dict:
    """Raw pika consume rate, the kit consumer with a no-op handler, and the reporting apply rate, for the same
    `events` generated events, interleaved `repeats` times (each time on fresh databases); medians. `order`:
    "customer" (each customer's whole history after the other's, as a replay brings them) or "time" (as
    they happen, as the live consumer gets them). `thread`: the reporting consumer once more reading the broker
    in a thread of its process (the kit's other way) rather than in a process of its own, as deployed.
    `replicas` above 1: the reporting consumer once more as that many processes sharing the queue
    (bench.replicas, an experiment), and how many of the figures they leave differ from the single consumer's."""
    from reporting.entrypoints.consumer import CONSUMER_READER_PROCESS, subscriptions
    from reporting.entrypoints.runner import MIGRATIONS

    deployed = subscriptions()[0]  # the handler, and the folder of the tallies' changes beside it
    bodies = [event.to_json() for event in _apply_events(events, order)]
    runs: dict[str, list[float]] = {"raw_consume": [], "kit_consume_noop": [], "reporting_apply": [],
                                    "reporting_folded": [], "raw_cpu_us": [], "kit_noop_cpu_us": [],
                                    "reporting_cpu_us": [], "raw_rabbitmq_cpu_us": [], "reporting_postgres_cpu_us": [],
                                    "reporting_rabbitmq_cpu_us": []}
    queues = ("bench.raw_reports", "bench.kit_noop", QUEUE) + (("bench.reports_thread",) if thread else ())
    if thread:
        runs.update(reporting_thread=[], reporting_thread_cpu_us=[])
    if replicas > 1:
        queues += ("bench.reports_replicas",)
        runs.update(reporting_replicas=[], reporting_replicas_cpu_us=[], replicas_figures_differing=[])
    with Connection(amqp_url) as connection:
        for queue in queues:
            topology.declare(connection.default_channel, queue, ("bench.none.v1",))
    for repeat in range(repeats):
        with Connection(amqp_url) as connection:
            publisher = Publisher(connection)
            for queue in queues:
                for start in range(0, len(bodies), 1000):
                    publisher.publish([Outgoing("", queue, body, f"{queue}-{repeat}-{start + i}")
                                       for i, body in enumerate(bodies[start:start + 1000])])
        database_url = databases.create("reports_apply")
        upgrade(database_url, MIGRATIONS)
        cpu, servers = own_cpu(), servers_cpu()
        runs["raw_consume"].append(broker.consume(amqp_url, "bench.raw_reports", len(bodies), prefetch=prefetch))
        cpu = _cpu_since(cpu, runs["raw_cpu_us"], len(bodies))
        runs["raw_rabbitmq_cpu_us"].append((servers_cpu()["rabbitmq"] - servers["rabbitmq"]) / len(bodies) * 1e6)
        runs["kit_consume_noop"].append(_consume(databases.create("reports_noop"), amqp_url, "bench.kit_noop",
                                                 len(bodies), prefetch, lambda session, event: None))
        cpu = _cpu_since(cpu, runs["kit_noop_cpu_us"], len(bodies))
        servers = servers_cpu()
        applied = _consume(database_url, amqp_url, QUEUE, len(bodies), prefetch, deployed.handler, deployed.beside,
                           CONSUMER_READER_PROCESS)
        _cpu_since(cpu, runs["reporting_cpu_us"], len(bodies))
        runs["reporting_apply"].append(applied)
        runs["reporting_folded"].append(len(bodies) / (len(bodies) / applied + _fold_rest(database_url)))
        # The servers' CPU until the changes are folded too: what the folder had left is work the events cost.
        for name, seconds in servers_cpu().items():
            runs[f"reporting_{name}_cpu_us"].append((seconds - servers[name]) / len(bodies) * 1e6)
        if thread:
            thread_url = databases.create("reports_thread")
            upgrade(thread_url, MIGRATIONS)
            cpu = own_cpu()
            runs["reporting_thread"].append(_consume(thread_url, amqp_url, "bench.reports_thread", len(bodies),
                                                     prefetch, deployed.handler, deployed.beside,
                                                     not CONSUMER_READER_PROCESS))
            _cpu_since(cpu, runs["reporting_thread_cpu_us"], len(bodies))
        if replicas > 1:
            replicas_url = databases.create("reports_replicas")
            upgrade(replicas_url, MIGRATIONS)
            measured = replicas_rate(replicas_url, amqp_url, "bench.reports_replicas", "bench.none.v1", len(bodies),
                                     prefetch, replicas)
            runs["reporting_replicas"].append(measured["rate"])
            runs["reporting_replicas_cpu_us"].append(measured["cpu_us"])
            _fold_rest(replicas_url)
            runs["replicas_figures_differing"].append(_figures_differing(replicas_url, database_url))
        print(f"  run {repeat + 1}: " + ", ".join(
            f"{name} {values[-1]:,.0f}" + ("" if "cpu" in name or "differing" in name else "/s")
            for name, values in runs.items()), flush=True)
    medians = {name: statistics.median(values) for name, values in runs.items()}

    def ratio(name: str, baseline: str) -> float:
        return statistics.median(value / base for value, base in zip(runs[name], runs[baseline], strict=True))

    return {"events": len(bodies), "repeats": repeats, **medians, "ratio": ratio("reporting_apply", "raw_consume"),
            "ratio_to_kit_noop": ratio("reporting_apply", "kit_consume_noop"),
            "ratio_folded": ratio("reporting_folded", "raw_consume"),
            **({"ratio_thread": ratio("reporting_thread", "raw_consume"),
                "process_to_thread": ratio("reporting_apply", "reporting_thread")} if thread else {}),
            **({"ratio_replicas": ratio("reporting_replicas", "raw_consume")} if replicas > 1 else {}),
            # One process's Python holds one core at most: at its CPU per event, with a database and a broker
            # taking no time at all, the reporting consumer would still apply no more than this.
            "reporting_ceiling": 1e6 / medians["reporting_cpu_us"],
            "ceiling_ratio": statistics.median(1e6 / cpu / raw for cpu, raw in
                                               zip(runs["reporting_cpu_us"], runs["raw_consume"], strict=True)),
            # Every core of the machine busy with the consumer, PostgreSQL and RabbitMQ (when they run here, as
            # the bench's servers do): what the CPU all three spend an event allows at most.
            "machine_ceiling_ratio": statistics.median(
                (os.cpu_count() or 1) * 1e6 / (cpu + postgres + rabbitmq) / raw
                for cpu, postgres, rabbitmq, raw in zip(runs["reporting_cpu_us"], runs["reporting_postgres_cpu_us"],
                                                        runs["reporting_rabbitmq_cpu_us"], runs["raw_consume"],
                                                        strict=True)),
            "runs": runs}


def _apply_events(events: int, order: str) -> list:
    """The apply rate's generated events, customer after customer or (`order` "time") as they happened, each
    aggregate's events in their order still: none sorts before an earlier one."""
    history = History(seed=5, customers=max(events // 8, 1), visits=max(events // 3, 1), complaints=events // 40)
    chosen = [event for _, event in zip(range(events), history.events(), strict=False)]
    if order != "time":
        return chosen
    latest: dict[str, str] = {}
    keys = []
    for event in chosen:
        subject = event.subject or event.id
        latest[subject] = max(latest.get(subject, ""), event.time)
        keys.append(latest[subject])
    return [event for _, _, event in sorted(zip(keys, range(len(chosen)), chosen, strict=True))]


def apply_in_process(databases: ThrowawayDatabases, events: int, order: str, repeats: int, batch: int = 500) -> dict:
    """The read model's own work without the broker: the apply rate's events applied by `apply_batch` with the
    reporting handler in transactions of `batch` (as the consumer's batches), on a fresh database each time;
    events a second and CPU per event, then the seconds to fold what they appended."""
    from reporting.entrypoints.runner import MIGRATIONS
    from reporting.service_layer.projection import apply_event
    from reporting.service_layer.tally_folding import fold_all

    chosen = _apply_events(events, order)
    runs: dict[str, list[float]] = {"rate": [], "cpu_us": [], "fold_seconds": []}
    for _ in range(repeats):
        database_url = databases.create("reports_in_process")
        upgrade(database_url, MIGRATIONS)
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        started, cpu = time.perf_counter(), own_cpu()
        for start in range(0, len(chosen), batch):
            apply_batch(sessions, [(QUEUE, event, apply_event) for event in chosen[start:start + batch]])
        runs["rate"].append(len(chosen) / (time.perf_counter() - started))
        _cpu_since(cpu, runs["cpu_us"], len(chosen))
        started = time.perf_counter()
        fold_all(sessions)
        runs["fold_seconds"].append(time.perf_counter() - started)
        engine.dispose()
        print(f"  in process: {runs['rate'][-1]:,.0f} ev/s, {runs['cpu_us'][-1]:.0f} us of CPU an event, "
              f"folded in {runs['fold_seconds'][-1]:.2f} s", flush=True)
    return {"events": len(chosen), "order": order, **{name: statistics.median(values) for name, values in runs.items()},
            "runs": runs}


def servers_cpu() -> dict[str, float]:
    """CPU seconds so far of this machine's PostgreSQL and RabbitMQ processes, by their names in /proc (0 for a
    server not running here, or off Linux): with the consumer's own, what an event costs the machine. A
    backend that has ended counts in its server's children's time (a connection closed when the consumer
    stopped would otherwise take its CPU with it)."""
    names = {"postgres": "postgres", "beam.smp": "rabbitmq"}
    seconds = dict.fromkeys(names.values(), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # a process that ended meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        if name in names:
            fields = text.rsplit(")", 1)[1].split()
            seconds[names[name]] += sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")  # own and ended children's
    return seconds


def own_cpu() -> float:
    """CPU seconds of this process so far, and of its children that have ended (a consumer's reader process)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _cpu_since(start: float, into: list[float], events: int) -> float:
    """Note this process's CPU time (own_cpu) since `start` in microseconds per event; the time now."""
    now = own_cpu()
    into.append((now - start) / events * 1e6)
    return now


def _consume(database_url: str, amqp_url: str, queue: str, count: int, prefetch: int, handler,
             beside=None, reader_process: bool = False) -> float:
    """Events per second for the kit's consumer applying `count` queued events with `handler` (and `beside`)."""
    return consume_rate(database_url, amqp_url, queue, "bench.none.v1", count, prefetch, handler, timeout=3600,
                        beside=beside, reader_process=reader_process)


def _figures_differing(database_url: str, other_url: str) -> int:
    """How many tally rows (keys) of two folded read models hold other figures (or are in one only)."""
    from reporting.adapters.tables import tallies

    def figures(url: str) -> dict[tuple, tuple]:
        engine = make_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(select(tallies).where((tallies.c.count != 0) | (tallies.c.amount != 0))).all()
        engine.dispose()
        return {tuple(row[:-2]): tuple(row[-2:]) for row in rows}

    ours, theirs = figures(database_url), figures(other_url)
    return sum(ours.get(key) != theirs.get(key) for key in ours.keys() | theirs.keys())


def _fold_rest(database_url: str) -> float:
    """Seconds to fold the tallies' changes the folder had not folded yet when the last event was applied."""
    from reporting.service_layer.tally_folding import fold_all

    engine = make_engine(database_url)
    started = time.perf_counter()
    fold_all(make_session_factory(engine))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def load(database_url: str, customers: int, visits: int, complaints: int, batch: int) -> dict:
    """Apply a generated history in-process; return counts and the rate."""
    from reporting.entrypoints.runner import MIGRATIONS
    from reporting.service_layer.projection import apply_event
    from reporting.service_layer.tally_folding import fold_all

    upgrade(database_url, MIGRATIONS)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    pending, applied, started, last_report = [], 0, time.perf_counter(), time.perf_counter()
    for event in History(seed=1, customers=customers, visits=visits, complaints=complaints).events():
        pending.append((QUEUE, event, apply_event))
        if len(pending) >= batch:
            apply_batch(sessions, pending)
            applied += len(pending)
            pending = []
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                print(f"  loaded {applied:,} events ({applied / (last_report - started):,.0f}/s)", flush=True)
    apply_batch(sessions, pending)
    applied += len(pending)
    fold_all(sessions)  # what the consumer's folder does beside it
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        counts = {name: connection.execute(select(func.count()).select_from(table)).scalar()
                  for name, table in _tables().items()}
    engine.dispose()
    return {"events": applied, "seconds": elapsed, "rate": applied / elapsed, "rows": counts}


def _tables() -> dict:
    from reporting.adapters.tables import complaints, customers, tallies, visits
    return {"customers": customers, "visits": visits, "complaints": complaints, "tallies": tallies}


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2), "requests": len(ordered)}


def latency(database_url: str, requests: int, var_dir: Path, as_of: date) -> dict:
    """p50/p99 per report through a real reporting web process."""
    from servicekit.testing import TEST_SECRET, auth_headers

    port = free_port()
    env = clean_env(var_dir)
    env.update({"CRM_REPORTING_DATABASE_URL": database_url, "CRM_REPORTING_PORT": str(port),
                "CRM_AUTH_SECRET": TEST_SECRET, "CRM_WEB_WORKERS": "2"})
    processes = Processes(env, var_dir)
    processes.start("reporting-web", "reporting", "web")
    base = f"http://127.0.0.1:{port}"
    results: dict = {}
    try:
        wait_until_ready(f"{base}/healthz")
        year = {"from": (as_of.replace(day=1) - timedelta(days=334)).replace(day=1).isoformat(),
                "to": as_of.isoformat()}
        months = []
        month = date.fromisoformat(year["from"])
        while month <= as_of:
            following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            months.append({"from": month.isoformat(), "to": (following - timedelta(days=1)).isoformat()})
            month = following
        results.update(_report_latency(base, auth_headers("viewer"), requests, year, months, as_of, ""))
        # a viewer tied to one store: the same reads cut to its store (and its customers, for the segment)
        tied = auth_headers("viewer", stores=(STORES[4],))
        results.update(_report_latency(base, tied, requests, year, months, as_of, f" ({STORES[4]} viewer)"))
    finally:
        processes.stop()
    return results


def _report_latency(base: str, headers: dict, requests: int, year: dict, months: list[dict], as_of: date,
                    suffix: str) -> dict:
    """p50/p99 of each report, the loyal segment's first page and a chart, asked by the caller of `headers`."""
    results: dict = {}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        def timed(path: str, params: dict | None = None) -> float:
            started = time.perf_counter()
            response = client.get(path, params=params)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:300]}")
            return elapsed

        for _ in range(20):  # warm up: connections, caches, both workers
            timed("/healthz")
            timed("/api/v1/reports/prospects", year)
        if not suffix:
            results["healthz"] = _percentiles([timed("/healthz") for _ in range(requests)])
        for name in REPORTS:
            params = {"month": as_of.strftime("%Y-%m")} if name == "monthly" else year
            samples = [timed(f"/api/v1/reports/{name}", params) for _ in range(requests)]
            samples += [timed(f"/api/v1/reports/{name}", m) for m in months] if name != "monthly" else []
            results[name + suffix] = _percentiles(samples)
        results["value?segment=loyal" + suffix] = _percentiles(
            [timed("/api/v1/reports/value", {**year, "segment": "loyal"}) for _ in range(requests)])
        results["complaints.png" + suffix] = _percentiles(
            [timed("/api/v1/reports/complaints", {**year, "format": "png"}) for _ in range(max(requests // 5, 5))])
    return results


def main() -> int:
    from reporting.entrypoints.consumer import CONSUMER_PREFETCH

    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=3_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--load-by", choices=("bulk", "events"), default="bulk", help="how the history is loaded")
    parser.add_argument("--load-parts", type=int, default=2, help="processes of the bulk load")
    parser.add_argument("--load-batch", type=int, default=2000, help="events per transaction (--load-by events)")
    parser.add_argument("--apply-events", type=int, default=40_000, help="events for the apply-rate comparison")
    parser.add_argument("--apply-repeats", type=int, default=3, help="interleaved apply-rate runs (medians)")
    parser.add_argument("--apply-order", choices=("customer", "time"), default="customer",
                        help="the events customer after customer (as replayed) or as they happen (as live)")
    parser.add_argument("--apply-in-process", action="store_true",
                        help="also apply the same events in process, without the broker (the read model's own work)")
    parser.add_argument("--apply-thread", action="store_true",
                        help="also the reporting consumer reading the broker in a thread, not a process of its own")
    parser.add_argument("--apply-replicas", type=int, default=1, metavar="N",
                        help="also the reporting consumer as N processes sharing the queue (an experiment: its figures "
                             "are compared with one consumer's)")
    parser.add_argument("--prefetch", type=int, default=CONSUMER_PREFETCH,
                        help="unacknowledged deliveries (the reporting consumer's batches are half of it)")
    parser.add_argument("--requests", type=int, default=200, help="requests per report")
    parser.add_argument("--database-url", help="measure an already loaded read model (with --skip-load)")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (its URL is printed)")
    parser.add_argument("--database-icu-locale", metavar="LOCALE",
                        help="collate the bench's databases in this ICU locale (zh-Hans-CN: as one made for Chinese)")
    parser.add_argument("--out", default="bench/results/reports.json")
    args = parser.parse_args()
    databases = ThrowawayDatabases(icu_locale=args.database_icu_locale)
    figures: dict = {"sizes": {"customers": args.customers, "visits": args.visits, "complaints": args.complaints},
                     "database_icu_locale": args.database_icu_locale,
                     "started": datetime.now().isoformat(timespec="seconds")}
    try:
        if not args.skip_apply:
            with throwaway_vhost("bench-reports") as amqp_url:
                figures["apply"] = apply_rate(databases, amqp_url, args.apply_events, args.prefetch,
                                              args.apply_repeats, args.apply_order, args.apply_thread,
                                              args.apply_replicas)
            print(json.dumps(figures["apply"], indent=1), flush=True)
            if args.apply_in_process:
                figures["apply_in_process"] = apply_in_process(databases, args.apply_events, args.apply_order,
                                                               args.apply_repeats)
        url = args.database_url
        if not args.skip_load:
            url = url or databases.create("reports_scale")
            if args.load_by == "events":
                figures["load"] = load(url, args.customers, args.visits, args.complaints, args.load_batch)
            else:
                history = History(seed=1, customers=args.customers, visits=args.visits, complaints=args.complaints)
                figures["load"] = readmodel.load(url, history, parts=args.load_parts)
            print(json.dumps(figures["load"], indent=1), flush=True)
        if url:
            var_dir = Path("var") / "bench-reports"
            var_dir.mkdir(parents=True, exist_ok=True)
            figures["latency"] = latency(url, args.requests, var_dir, date(2026, 10, 31))
            print(json.dumps(figures["latency"], indent=1), flush=True)
        if args.keep and url:
            databases.created = [name for name in databases.created if name not in url]
            print(f"kept: {url}")
    finally:
        databases.drop_all()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
