"""The complaint service: one SLA scan pass over 100,000 open complaints, and filing through the gateway.

    .venv/bin/python -m bench.complaints [--complaints 100000] [--skip-http]

- scan: 100,000 open complaints in a throwaway PostgreSQL database, every one due for a check (its
  acknowledgement target inside the warning share). One pass of the scanner (lock a batch FOR UPDATE SKIP
  LOCKED, check each complaint's clocks, write its flags, timeline step and `complaint.sla_warned.v1` to the
  outbox, commit; batch after batch) against the baseline: a plain select of the same rows through the
  scanner's index (`next_check_at <= now`), fetched whole. Then a second pass, with nothing left to do.
- filing: complaints filed through the gateway (POST /api/v1/complaints, 201) per second by CONCURRENCY
  clients, against customers created through the gateway (POST /api/v1/customers, 201) in the same run,
  rounds interleaved, medians. Gateway, customer and complaint web processes (two gunicorn workers each) on
  throwaway PostgreSQL databases; the relays and the consumer run only until the complaint service knows the
  customer the complaints are filed for, so the rounds measure the writes alone.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import httpx
from complaint.adapters.complaints import row_values
from complaint.adapters.holidays import china_working_days
from complaint.adapters.tables import complaints
from complaint.domain.calendar import BusinessCalendar
from complaint.domain.complaints import Complaint
from complaint.domain.sla import DEFAULT_POLICY
from complaint.entrypoints.runner import MIGRATIONS
from complaint.service_layer.scanner import scan
from servicekit.db import make_engine, make_session_factory, outbox, upgrade
from servicekit.processes import Processes, clean_env, free_ports, wait_until_ready
from servicekit.testing import ThrowawayDatabases, throwaway_vhost
from sqlalchemy import func, insert, select, text

ADMIN_PASSWORD = "bench-first-passphrase"
CONCURRENCY = 16
ROUND_SECONDS = 3.0
ROUNDS = 3
BATCH = 500


# -- the SLA scan ------------------------------------------------------------------------------------

def seed(engine, total: int) -> datetime:
    """Insert `total` open complaints whose acknowledgement warning is due; returns the moment to scan at."""
    calendar = BusinessCalendar(china_working_days())
    template = Complaint.file(calendar, id="template", customer_id=str(uuid.uuid4()), store_id="store-sz-01",
                              channel="phone", category="service", subcategory="waiting_time", severity="normal",
                              description="保养等了三个小时，没有人告知进度",
                              filed_at=datetime(2026, 11, 23, 1, tzinfo=UTC), filed_by="li.si", policy=DEFAULT_POLICY)
    warn_at = template.clocks.targets["acknowledge"].warn_at
    row = row_values(replace(template, happened=[]))
    with engine.begin() as connection:
        for start in range(0, total, 5000):
            connection.execute(insert(complaints), [{**row, "id": str(uuid.uuid4())}
                                                    for _ in range(min(5000, total - start))])
        connection.exec_driver_sql("ANALYZE complaints")
    return warn_at + timedelta(seconds=1)


def plain_select(engine, now: datetime) -> tuple[float, int]:
    """Seconds to fetch every due row through the scanner's index, and how many."""
    start = time.perf_counter()
    with engine.connect() as connection:
        rows = connection.execute(select(complaints).where(complaints.c.next_check_at <= now)
                                  .order_by(complaints.c.next_check_at)).all()
    return time.perf_counter() - start, len(rows)


#: One batch of the scan's writes in bare SQL: lock the batch as the scanner does (SKIP LOCKED, earliest
#: first), set each complaint's acknowledgement warning in its clocks, its next check, version and time,
#: add its `sla_warning` step and its `complaint.sla_warned.v1` (the whole CloudEvent, built by PostgreSQL)
#: to the outbox: one statement, no Python per row. Returns the batch's size.
BARE_BATCH = text("""
WITH due AS (
    SELECT id FROM complaints WHERE next_check_at <= :now ORDER BY next_check_at LIMIT :batch
    FOR UPDATE SKIP LOCKED),
checked AS (
    UPDATE complaints AS c
    SET clocks = jsonb_set(c.clocks::jsonb, '{targets,acknowledge,warned}', 'true')::json,
        next_check_at = (SELECT min((t.value ->> 'due_at')::timestamptz) FROM json_each(c.clocks -> 'targets') t
                         WHERE t.value ->> 'minutes' IS NOT NULL AND t.value ->> 'met_at' IS NULL),
        updated_at = :now, version = c.version + 1
    FROM due WHERE c.id = due.id
    RETURNING c.*),
step AS (
    INSERT INTO steps (complaint_id, at, actor, action, from_status, to_status, details)
    SELECT id, :now, 'sla-scanner', 'sla_warning', status, status, json_build_object('target', 'acknowledge')
    FROM checked ORDER BY next_check_at, id),
named AS (SELECT *, gen_random_uuid()::text AS event_id FROM checked),
event AS (
    INSERT INTO outbox (event_id, type, subject, body, created_at)
    SELECT c.event_id, 'complaint.sla_warned.v1', c.id, json_build_object(
        'specversion', '1.0', 'id', c.event_id, 'source', '/guanxi/complaint', 'type', 'complaint.sla_warned.v1',
        'time', now(), 'subject', c.id, 'datacontenttype', 'application/json',
        'correlationid', gen_random_uuid(), 'data', json_build_object(
            'complaint_id', c.id, 'customer_id', c.customer_id, 'store_id', c.store_id, 'channel', c.channel,
            'category', c.category, 'subcategory', c.subcategory, 'severity', c.severity, 'status', c.status,
            'department', c.department, 'assignee', c.assignee, 'escalation_level', c.escalation_level,
            'waiting_on_customer', c.waiting_on_customer, 'filed_at', c.filed_at, 'occurred_at', :now,
            'actor', 'sla-scanner',
            'sla', (SELECT json_object_agg(t.key, json_build_object('due_at', t.value -> 'due_at',
                                                                   'met_at', t.value -> 'met_at',
                                                                   'breached', t.value -> 'breached'))
                    FROM json_each(c.clocks -> 'targets') t),
            'target', 'acknowledge', 'due_at', c.clocks -> 'targets' -> 'acknowledge' -> 'due_at'))::text, now()
    FROM named c
    ORDER BY c.next_check_at, c.id
    RETURNING 1)
SELECT count(*) FROM event
""")


def bare_scan(engine, now: datetime) -> int:
    """The scan's writes in bare SQL, batch after batch (one statement and one commit each); how many."""
    done = 0
    while True:
        with engine.begin() as connection:
            count = connection.execute(BARE_BATCH, {"now": now, "batch": BATCH}).scalar_one()
        done += count
        if count < BATCH:
            return done


def put_back(engine) -> None:
    """Every complaint as seeded again, no steps, an empty outbox (for the next run)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE complaints, outbox CASCADE")
        connection.exec_driver_sql("INSERT INTO complaints SELECT * FROM seeded")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE complaints")
        connection.exec_driver_sql("VACUUM ANALYZE steps")


def warned(engine) -> int:
    """How many complaint.sla_warned.v1 the outbox holds."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(outbox)
                                  .where(outbox.c.type == "complaint.sla_warned.v1")).scalar_one()


def scan_figures(total: int, repeats: int) -> dict:
    """One scan pass over `total` due complaints against the same writes in bare SQL, runs alternating
    (which goes first swaps every repeat), medians; a plain select of the rows for information."""
    databases = ThrowawayDatabases()
    runs: dict[str, list[float]] = {"select": [], "scan": [], "bare": [], "idle_scan": []}
    try:
        url = databases.create("bench_complaint")
        upgrade(url, MIGRATIONS)
        engine = make_engine(url)
        now = seed(engine, total)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE seeded AS SELECT * FROM complaints")

        def path() -> None:
            start = time.perf_counter()
            checked = scan(make_session_factory(engine), now, limit=BATCH)
            runs["scan"].append(time.perf_counter() - start)
            start = time.perf_counter()
            again = scan(make_session_factory(engine), now, limit=BATCH)
            runs["idle_scan"].append(time.perf_counter() - start)
            if (checked, warned(engine), again) != (total, total, 0):
                raise RuntimeError(f"the scan checked {checked}, warned {warned(engine)}, then {again}")

        def bare() -> None:
            start = time.perf_counter()
            done = bare_scan(engine, now)
            runs["bare"].append(time.perf_counter() - start)
            if (done, warned(engine)) != (total, total):
                raise RuntimeError(f"the bare SQL wrote {done} complaints, {warned(engine)} events")

        for repeat in range(repeats):
            seconds, rows = plain_select(engine, now)
            if rows != total:
                raise RuntimeError(f"{rows} due rows, expected {total}")
            runs["select"].append(seconds)
            for run in (path, bare) if repeat % 2 == 0 else (bare, path):
                run()
                put_back(engine)
        engine.dispose()
    finally:
        databases.drop_all()
    select_s, scan_s, bare_s = (statistics.median(runs[name]) for name in ("select", "scan", "bare"))
    return {"complaints": total, "select_s": round(select_s, 3), "bare_sql_s": round(bare_s, 2),
            "scan_s": round(scan_s, 2), "scan_per_complaint_ms": round(scan_s / total * 1000, 3),
            "scan_to_bare": round(scan_s / bare_s, 2), "scan_to_select": round(scan_s / select_s, 1),
            "idle_scan_ms": round(statistics.median(runs["idle_scan"]) * 1000, 2),
            "runs_s": {name: [round(value, 2) for value in values] for name, values in runs.items()}}


# -- filing through the gateway ----------------------------------------------------------------------

class PostClient:
    """One keep-alive HTTP/1.1 connection POSTing JSON; reads answers by Content-Length (cheap for the
    load generator, which shares the two cores with the servers)."""

    def __init__(self, port: int, path: str, token: str) -> None:
        self.port, self.path, self.token = port, path, token
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer, self.failures, self.first_failure = b"", 0, ""

    def post(self, body: bytes) -> int:
        """Send one POST, read its whole answer; its status code."""
        head = (f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.sock.sendall(head + body)
        buffer = self.buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            buffer += self._recv()
        header = buffer[:end].decode("latin-1").lower()
        status = int(header[9:12])
        at = header.find("\r\ncontent-length:")
        total = end + 4 + int(header[at + 17:].split("\r\n", 1)[0])
        while len(buffer) < total:
            buffer += self._recv()
        if status != 201:
            self.failures += 1
            self.first_failure = self.first_failure or buffer[:total].decode(errors="replace")
        self.buffer = buffer[total:]
        return status

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise RuntimeError(f"port {self.port} closed the connection mid-answer")
        return data


def rate(port: int, path: str, token: str, bodies, seconds: float) -> float:
    """Created per second by CONCURRENCY clients POSTing `bodies()` for `seconds`."""
    clients = [PostClient(port, path, token) for _ in range(CONCURRENCY)]
    counts, errors = [0] * CONCURRENCY, []
    go, stop = threading.Event(), threading.Event()

    def run(index: int) -> None:
        go.wait()
        try:
            while not stop.is_set():
                clients[index].post(bodies())
                counts[index] += 1
        except Exception as exc:  # reported after every thread ended
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    go.set()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for client in clients:
        client.sock.close()
    failures = sum(client.failures for client in clients)
    if errors or failures:
        first = next((client.first_failure for client in clients if client.failures), repr(errors[:1]))
        raise RuntimeError(f"{failures} requests were not answered 201: {first}")
    return sum(counts) / elapsed


def filing_figures() -> dict:
    """Complaints filed vs customers created per second through the gateway, interleaved rounds; medians."""
    with ExitStack() as stack:
        databases = ThrowawayDatabases()
        stack.callback(databases.drop_all)
        amqp_url = stack.enter_context(throwaway_vhost("bench"))
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="guanxi-bench-")))
        ports = dict(zip(("gateway", "customer", "complaint"), free_ports(3), strict=True))
        env = clean_env(var_dir)
        env.update({
            "CRM_LOG_LEVEL": "WARNING", "CRM_BROKER_URL": amqp_url, "CRM_AUTH_SECRET": uuid.uuid4().hex * 2,
            "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_RATE_LIMIT": "1000000/minute", "CRM_WEB_WORKERS": "2",
            "CRM_REMINDER_URL": "", "CRM_REPORTING_URL": "", "CRM_RELAY_POLL_INTERVAL": "0.05",
            **{f"CRM_{name.upper()}_PORT": str(port) for name, port in ports.items()},
            **{f"CRM_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in ("customer", "complaint")},
            **{f"CRM_{name.upper()}_DATABASE_URL": databases.create(f"bench_{name}") for name in ports},
        })
        processes = Processes(env, var_dir)
        stack.callback(processes.stop)
        for service in ports:
            processes.run(service, "migrate")
        webs = {service: processes.start(f"{service}-web", service, "web") for service in ports}
        helpers = [processes.start("customer-relay", "customer", "relay"),
                   processes.start("complaint-consume", "complaint", "consume")]
        try:
            for service, process in webs.items():
                wait_until_ready(f"http://127.0.0.1:{ports[service]}/readyz", process)
            return _measure(f"http://127.0.0.1:{ports['gateway']}", ports["gateway"], helpers)
        except BaseException:
            print(processes.logs(), file=sys.stderr)
            raise


def _measure(gateway: str, port: int, helpers) -> dict:
    token = httpx.post(f"{gateway}/api/v1/auth/token",
                       json={"username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    customer = httpx.post(f"{gateway}/api/v1/customers", headers=headers,
                          json={"name": "王小明", "phone": "138 0013 8000", "kind": "owner"}).json()
    complaint = json.dumps({"customer_id": customer["id"], "channel": "phone", "category": "service",
                            "severity": "normal", "description": "保养等了三个小时，没有人告知进度"},
                           ensure_ascii=False).encode()
    deadline = time.monotonic() + 30
    while httpx.post(f"{gateway}/api/v1/complaints", content=complaint, timeout=10,
                     headers={**headers, "Content-Type": "application/json"}).status_code != 201:
        if time.monotonic() > deadline:
            raise RuntimeError("the complaint service never learnt of the customer")
        time.sleep(0.2)
    for helper in helpers:  # the rounds measure the writes alone
        helper.terminate()
        helper.wait(15)
    phones = count(13900000000)
    customers = lambda: json.dumps({"name": "李娜", "phone": str(next(phones)), "kind": "prospect"},  # noqa: E731
                                   ensure_ascii=False).encode()
    runs: dict[str, list[float]] = {"customers": [], "complaints": []}
    for _ in range(ROUNDS):
        runs["customers"].append(rate(port, "/api/v1/customers", token, customers, ROUND_SECONDS))
        runs["complaints"].append(rate(port, "/api/v1/complaints", token, lambda: complaint, ROUND_SECONDS))
    customers_rps, complaints_rps = (statistics.median(runs[name]) for name in ("customers", "complaints"))
    return {"customers_per_s": round(customers_rps, 1), "complaints_per_s": round(complaints_rps, 1),
            "filing_to_customer_creation": round(complaints_rps / customers_rps, 2),
            "rounds": {name: [round(value, 1) for value in values] for name, values in runs.items()}}


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.complaints")
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the scan and of the bare SQL")
    parser.add_argument("--skip-http", action="store_true", help="only the SLA scan")
    parser.add_argument("--skip-scan", action="store_true", help="only the filing through the gateway")
    args = parser.parse_args()
    result = {}
    if not args.skip_scan:
        result["scan"] = scan_figures(args.complaints, args.repeats)
    if not args.skip_http:
        result["filing"] = filing_figures()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
