"""The reminder service's tables (the kit's outbox and inbox come from its first migration).

customers, assets, readings, visits and complaints are this service's own copy of what it needs from
the customer and complaint services' events; rules, reminders, notifications, appointments and
opt-outs are its own.
"""
from servicekit.db import NAMING_CONVENTION
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from servicekit import staff

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id(name: str = "id", **kwargs) -> Column:
    return Column(name, String(36), **kwargs)


#: This service's copy of the gateway's users (servicekit.staff): task owners, and where staff are reached.
staff_users = staff.users_table(metadata)

customers = Table(
    "customers", metadata,
    _id(primary_key=True),
    Column("version", Integer, nullable=False, default=0),
    Column("name", String(200)),
    Column("phone", String(32)),
    Column("email", String(320)),
    Column("birthday", Date),
    Column("kind", String(20)),
    Column("stage", String(20)),
    Column("tier", String(20)),
    Column("owner", String(100), index=True),
    Column("store_id", String(100), index=True),
    Column("key_customer", Boolean, nullable=False, default=False),
    Column("blacklisted", Boolean, nullable=False, default=False),
    Column("consent_sms", Boolean, nullable=False, default=False),
    Column("consent_phone", Boolean, nullable=False, default=False),
    Column("consent_email", Boolean, nullable=False, default=False),
    Column("quiet_start", String(5)),
    Column("quiet_end", String(5)),
    Column("created_on", Date),
    Column("last_visit_on", Date),
    Column("last_contact_on", Date),
    Column("merged_into", String(36)),
    Column("erased_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("wechat_openid", String(128)),
    Column("consent_wechat", Boolean, nullable=False, default=False),
)

assets = Table(
    "assets", metadata,
    _id(primary_key=True),
    _id("customer_id", nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("label", String(300), nullable=False),
    Column("delivered_on", Date),
    Column("expires_on", Date),
    _id("merged_from"),
    Column("plate", String(32)),
    Column("model", String(200)),
    Column("status", String(20)),  # active (or null), sold, scrapped; voided: registered by mistake
    Column("version", Integer),
)

readings = Table(
    "readings", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    _id("asset_id", nullable=False),
    Column("read_on", Date, nullable=False),
    Column("km", Integer, nullable=False),
    Column("source", String(60), nullable=False),  # the visit id, or "registered"
    UniqueConstraint("asset_id", "source"),
)
Index("ix_readings_asset_day", readings.c.asset_id, readings.c.read_on)

visits = Table(
    "visits", metadata,
    _id(primary_key=True),
    _id("customer_id", nullable=False, index=True),
    _id("asset_id", index=True),
    Column("kind", String(30), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("odometer_km", Integer),
    _id("merged_from"),
    Column("service_type", String(60)),  # of a service visit: maintenance, repair, check … (none: maintenance)
    Column("version", Integer),
    Column("voided_at", DateTime(timezone=True)),
)

complaints = Table(
    "complaints", metadata,
    _id(primary_key=True),
    _id("customer_id", nullable=False, index=True),
    Column("status", String(30), nullable=False),
    Column("assignee", String(100)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("callback_due_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    _id("merged_from"),
)

rules = Table(
    "rules", metadata,
    Column("id", String(60), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("params", Text, nullable=False),  # JSON object
    Column("task", Boolean, nullable=False),
    Column("channels", Text, nullable=False),  # JSON list
    Column("time_of_day", String(5), nullable=False),
    Column("owner", String(100)),
    Column("message", Text),
    Column("script", Text),  # what the caller says (话术), shown with the rule's tasks
    Column("builtin", Boolean, nullable=False),
    Column("templates", Text),  # JSON object: language → the rule's own template (else the built-in one)
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100)),
)

reminders = Table(
    "reminders", metadata,
    _id(primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("rule_id", String(60), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    _id("customer_id", nullable=False, index=True),
    _id("asset_id"),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("owner", String(100), index=True),
    Column("reason", Text, nullable=False),
    Column("confidence", Float),
    Column("task", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("fired_at", DateTime(timezone=True)),
    Column("claimed_by", String(100)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("snoozed_until", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("completed_by", String(100)),
    Column("outcome", String(40)),
    Column("lost_reason", Text),
    Column("notes", Text),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_reason", Text),
    _id("merged_from"),
    _id("complaint_id"),
    _id("visit_id", index=True),  # the visit that closed the task (a callback recorded in the customer service)
    Column("callback", Text),  # JSON: the callback's channel, satisfaction, scores and outcome
)
# The scheduler's question, "which scheduled reminders are due", is one short scan of this partial index
# however many reminders are done, cancelled or far in the future.
Index("ix_reminders_scheduled_due", reminders.c.due_at, postgresql_where=reminders.c.status == "scheduled",
      sqlite_where=reminders.c.status == "scheduled")
Index("ix_reminders_fired", reminders.c.fired_at)
# and "which snoozed tasks wake up" likewise (a plain scan of a million reminders took a second per pass)
Index("ix_reminders_snoozed", reminders.c.snoozed_until, postgresql_where=reminders.c.status == "snoozed",
      sqlite_where=reminders.c.status == "snoozed")

notifications = Table(
    "notifications", metadata,
    _id(primary_key=True),
    _id("reminder_id", nullable=False, index=True),
    _id("customer_id", nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # pending, sent, skipped, failed
    Column("target", String(320)),
    Column("body", Text),
    Column("send_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("note", Text),
    Column("skip_reason", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("local", Boolean, nullable=False, default=False),  # written to the local outbox, not sent
    Column("username", String(100)),  # a staff notification's user (else it is to the customer)
)
Index("ix_notifications_sent", notifications.c.sent_at)
Index("ix_notifications_pending", notifications.c.next_attempt_at,
      postgresql_where=notifications.c.status == "pending", sqlite_where=notifications.c.status == "pending")

appointments = Table(
    "appointments", metadata,
    _id(primary_key=True),
    _id("customer_id", nullable=False, index=True),
    _id("asset_id"),
    _id("reminder_id", index=True),
    Column("purpose", String(30), nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("booked_by", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("visit_id", String(36)),
    Column("visited_at", DateTime(timezone=True)),
    _id("follow_up_reminder_id"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    _id("merged_from"),
)
Index("ix_appointments_booked", appointments.c.scheduled_at, postgresql_where=appointments.c.status == "booked",
      sqlite_where=appointments.c.status == "booked")

opt_outs = Table(
    "opt_outs", metadata,
    _id("customer_id", primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

#: Re-planning every customer after a rule changed, done by the scheduler in batches (cursor = last customer id).
replans = Table(
    "replans", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("cause", Text, nullable=False),
    Column("cursor", String(36), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)
