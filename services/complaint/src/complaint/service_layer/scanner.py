"""The SLA scan: warn about targets near their deadline, breach and escalate the missed ones — each
exactly once, however many scanners run.

Each batch locks the due complaints with FOR UPDATE SKIP LOCKED (PostgreSQL), so two scanners never
take the same complaint, and the flags that say "warned" / "breached" commit in the same transaction as
the events (outbox): a crash before commit leaves both undone, to be done by the next pass.
https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime

from prometheus_client import Counter as Metric
from prometheus_client import Histogram
from servicekit.config import Settings
from servicekit.db import make_engine, make_session_factory, unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import CHECKED, ComplaintRepository
from complaint.adapters.holidays import china_working_days
from complaint.config import ComplaintSettings, complaint_settings
from complaint.domain.complaints import nobody
from complaint.service_layer.complaints import contacts_of
from complaint.service_layer.publish import publish

log = logging.getLogger(__name__)

SLA_FLAGGED = Metric("complaint_sla_flags_total", "SLA targets the scanner flagged, by kind (warned, breached) "
                      "and target.", ["kind", "target"])
SCAN_DURATION = Histogram("complaint_sla_scan_duration_seconds", "Time of one scan pass.")


def scan_batch(sessions: sessionmaker[Session], now: datetime, limit: int) -> int:
    """Check up to `limit` complaints due at `now` in one transaction; returns how many were checked."""
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        due = repo.due_for_check(now, limit)
        contacts = contacts_of(session, {complaint.store_id for complaint in due}) if due else nobody
        flagged: Counter[tuple[str, str]] = Counter()
        for complaint in due:
            complaint.check_sla(now, contacts)
            flagged.update(("warned" if step.action == "sla_warning" else "breached", step.details["target"])
                           for step in complaint.happened if step.action in ("sla_warning", "sla_breach"))
        if not repo.save_many(due, CHECKED):  # only without row locks (SQLite) can another writer get in between
            raise RuntimeError("a complaint changed during the scan; the batch is rolled back")
        publish(session, *due)
    for (kind, target), count in flagged.items():  # counted once the batch is written
        SLA_FLAGGED.labels(kind, target).inc(count)
    return len(due)


def scan(sessions: sessionmaker[Session], now: datetime | None = None, limit: int = 500) -> int:
    """One pass: every complaint due at `now` (default: the current time), batch after batch."""
    now = now or datetime.now(UTC)
    checked = 0
    while True:
        count = scan_batch(sessions, now, limit)
        checked += count
        if count < limit:
            return checked


def run_scanner(settings: Settings, stop: threading.Event, config: ComplaintSettings | None = None) -> None:
    """Scan for SLA warnings and breaches every CRM_COMPLAINT_SCAN_INTERVAL seconds until stopped."""
    config = config or complaint_settings(settings, china_working_days())
    sessions = make_session_factory(make_engine(settings.database_url))
    while not stop.is_set():
        try:
            with SCAN_DURATION.time():
                checked = scan(sessions, limit=config.scan_batch)
            if checked:
                log.info("SLA scan checked %d complaint(s)", checked)
        except Exception:  # a lost database connection: try again next round
            log.exception("SLA scan failed; retrying in %.0fs", config.scan_interval)
        stop.wait(config.scan_interval)
