"""The reporting service's tables; `metadata` is what its migrations target (the kit adds outbox, inbox).

The read model is what `READ_MODEL` lists: records kept from the events (with only the personal data a
report shows: name and phone) and the pre-aggregated `tallies`. A rebuild fills a fresh copy of exactly
these tables (and the kit's inbox) and swaps it in; `rebuild_state` and `rebuild_backlog` belong to the
live database only.
"""
from __future__ import annotations

from servicekit.db import NAMING_CONVENTION, byte_ordered
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData(naming_convention=NAMING_CONVENTION)
_UTC = DateTime(timezone=True)

customers = Table(
    "customers", metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False, default=0),
    Column("name", String(200)),  # personal data: erased on customer.erased
    Column("phone", String(40)),  # personal data
    Column("erased", Boolean, nullable=False, default=False),
    Column("store_id", String(100)),
    Column("kind", String(20), nullable=False),
    Column("first_kind", String(20), nullable=False),
    Column("stage", String(20)),
    Column("source", String(200)),
    Column("owner", String(100)),
    Column("wanted_model", String(200)),
    Column("province", String(50)),
    Column("city", String(50)),
    Column("district", String(50)),
    Column("industry", String(100)),
    Column("purchase_type", String(50)),
    Column("intent_grade", String(2)),
    Column("tier", String(20)),
    Column("key_customer", Boolean, nullable=False, default=False),
    Column("created_day", Date),
    Column("owner_since", Date),
    Column("model", String(200)),
    Column("vehicles", Integer, nullable=False, default=0),
    Column("visit_count", Integer, nullable=False, default=0),
    Column("spend_fen", BigInteger, nullable=False, default=0),
    Column("last_visit_day", Date),
    Column("merged_into", String(36)),
    Column("fm", SmallInteger),  # 10 × F + M of RFM (reporting.service_layer.record_keeping.fm_cell)
)
#: A segment's customer list: one short range of it per (F, M) cell and recency band, newest first.
Index("ix_customers_fm_last_visit_day_id", customers.c.fm, customers.c.last_visit_day, customers.c.id)

#: customer_id is always the customer the record counts for now; merged_from remembers where a merge took it from.
vehicles = Table(
    "vehicles", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), nullable=False, index=True),
    Column("merged_from", String(36)),
    Column("store_id", String(100)),
    Column("model", String(200)),
    Column("delivered_day", Date),
    Column("first_service_day", Date),  # the first maintenance: the earliest maintenance visit counted
    Column("version", Integer),  # the asset's version applied (asset.updated.v1); None: 1
    Column("status", String(20)),  # active | sold | scrapped | voided; None: active
)

visits = Table(
    "visits", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), nullable=False, index=True),
    Column("merged_from", String(36)),
    Column("store_id", String(100)),
    Column("asset_id", String(36)),
    Column("kind", String(20), nullable=False),
    Column("day", Date, nullable=False),
    Column("staff", String(100)),
    Column("amount_fen", BigInteger, nullable=False, default=0),
    Column("satisfaction", String(20)),
    Column("service_type", String(100)),  # of a service visit: maintenance, repair, …; None: maintenance
    Column("version", Integer),  # the visit's version applied (visit.corrected.v1); None: 1
    Column("voided", Boolean, nullable=False, default=False),  # visit.voided.v1: counts nowhere
)
#: A vehicle's first maintenance is read back from its visits after a correction.
Index("ix_visits_asset_id", visits.c.asset_id)

complaints = Table(
    "complaints", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), index=True),
    Column("merged_from", String(36)),
    Column("store_id", String(100)),
    Column("category", String(50)),
    Column("subcategory", String(50)),
    Column("department", String(100)),
    Column("severity", String(20)),
    Column("channel", String(20)),
    Column("status", String(20)),
    Column("assignee", String(100)),
    Column("responsible_party", String(100)),
    Column("filed_day", Date),
    Column("step_at", String(40)),  # occurred_at of the latest step applied (ISO 8601, UTC)
    Column("working_minutes", Integer),
    Column("reopens", Integer, nullable=False, default=0),
    Column("satisfaction", String(20)),
    Column("remedy_fen", BigInteger),
    Column("sla", Text),  # JSON: {target: {due_at, met_at, breached}}
)

reminders = Table(
    "reminders", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), index=True),
    Column("merged_from", String(36)),
    Column("store_id", String(100)),
    Column("rule", String(100)),
    Column("due_day", Date),
    Column("status", String(20)),
    Column("outcome", String(100)),
    Column("lost_reason", String(200)),
    Column("completed_day", Date),
)

appointments = Table(
    "appointments", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), index=True),
    Column("merged_from", String(36)),
    Column("store_id", String(100)),
    Column("purpose", String(200)),
    Column("booked_day", Date),
    Column("status", String(20)),
    Column("reminder_id", String(36), index=True),  # the reminder (task) it was booked from, or None
    Column("reminder_day", Date),  # that reminder's due day, once known: where a booking from it counts
)

#: merged_id -> survivor while the merge stands (an undo deletes the row).
merges = Table(
    "merges", metadata,
    Column("merged_id", String(36), primary_key=True),
    Column("survivor_id", String(36), nullable=False),
)

#: The pre-aggregated figures: `grain` D rows per local day, M rows per month (day = the 1st), Y rows per
#: year (day = 1 January), so a date range reads whole years and months from Y and M rows, the edges from D.
#: Their keys are codes, compared in byte order (servicekit.db.byte_ordered): a fold looks up and sorts
#: thousands of them, and a database with a Chinese collation made that fold a third slower.
tallies = Table(
    "tallies", metadata,
    Column("report", byte_ordered(40), primary_key=True),
    Column("grain", byte_ordered(1), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("store_id", byte_ordered(100), primary_key=True),
    Column("key1", byte_ordered(200), primary_key=True),
    Column("key2", byte_ordered(200), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

#: Changes to the tallies not folded into them yet, one row per (report, day, store, keys) a transaction changed:
#: on PostgreSQL the consumer appends here (cheaper than adding to three rows of `tallies` in place) and a
#: folder moves them into `tallies` in the background (reporting.service_layer.tally_folding); readers add
#: them to what `tallies` holds, so a figure is exact either way.
tally_changes = Table(
    "tally_changes", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("report", byte_ordered(40), nullable=False),
    Column("day", Date, nullable=False),
    Column("store_id", byte_ordered(100), nullable=False),
    Column("key1", byte_ordered(200), nullable=False),
    Column("key2", byte_ordered(200), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)
Index("ix_tally_changes_report_day", tally_changes.c.report, tally_changes.c.day)

reminder_rules = Table(
    "reminder_rules", metadata,
    Column("id", String(100), primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("params", Text, nullable=False),  # JSON, as the event carries it
)  # the reminder service's rules as its reminder.rule_changed.v1 events say they stand (a deleted one: no row)

#: One row: how fresh the read model is.
freshness = Table(
    "freshness", metadata,
    Column("id", Integer, primary_key=True),
    Column("last_event_time", String(40)),  # the newest `time` of any event applied (ISO 8601, UTC)
    Column("last_applied_at", _UTC),
    Column("events_applied", BigInteger, nullable=False, default=0),
)

#: Live database only: whether a rebuild is filling a fresh copy, and the events applied meanwhile.
rebuild_state = Table(
    "rebuild_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("started_at", _UTC, nullable=False),
)
rebuild_backlog = Table(
    "rebuild_backlog", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("queue", String(200), nullable=False),
    Column("body", Text, nullable=False),
)

#: (tally_changes before tallies: the order a folder takes their locks in, and the swap.)
READ_MODEL = (customers, vehicles, visits, complaints, reminders, appointments, merges, tally_changes, tallies,
              freshness, reminder_rules)
