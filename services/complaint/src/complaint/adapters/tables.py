"""The complaint service's tables; `metadata` is what its migrations target (the kit adds outbox, inbox)."""
from __future__ import annotations

from servicekit.db import NAMING_CONVENTION
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from servicekit import staff

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_BIGID = BigInteger().with_variant(Integer, "sqlite")
_UTC = DateTime(timezone=True)

#: This service's copy of the customers it knows, kept from the customer service's events.
customers = Table(
    "customers", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200)),
    Column("phone", String(40)),
    Column("store_id", String(100)),
    Column("tier", String(20)),
    Column("key_customer", Boolean, nullable=False, default=False),
    Column("blacklisted", Boolean, nullable=False, default=False),
    #: the survivor, while this customer is merged into another
    Column("merged_into", String(36), index=True),
    Column("erased_at", _UTC),
    Column("version", Integer, nullable=False),
    Column("updated_at", _UTC, nullable=False),
)

#: This service's copy of the gateway's users (servicekit.staff): whom complaints may be assigned to.
staff_users = staff.users_table(metadata)

complaints = Table(
    "complaints", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), nullable=False, index=True),
    Column("store_id", String(100), index=True),
    Column("channel", String(20), nullable=False),
    Column("category", String(20), nullable=False),
    Column("subcategory", String(50)),
    Column("severity", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("department", String(100)),
    Column("assignee", String(100)),
    Column("resolution", Text),
    Column("remedy_cost", Numeric(12, 2)),
    Column("responsible_party", String(100)),
    Column("escalation_level", String(20)),
    Column("round", Integer, nullable=False),
    Column("callbacks_in_round", Integer, nullable=False),
    Column("last_satisfaction", String(20)),
    Column("surveyed_round", Integer),
    #: the username told at the last escalation (escalation contacts)
    Column("escalated_to", String(100)),
    Column("policy", JSON, nullable=False),
    Column("clocks", JSON, nullable=False),
    Column("breached", Boolean, nullable=False),
    Column("waiting_on_customer", Boolean, nullable=False),
    #: when the SLA scanner must look at it next; null when nothing is to be watched
    Column("next_check_at", _UTC),
    Column("filed_at", _UTC, nullable=False),
    Column("filed_by", String(100), nullable=False),
    Column("updated_at", _UTC, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_complaints_status_filed_at", "status", "filed_at"),
    Index("ix_complaints_filed_at", "filed_at"),
    Index("ix_complaints_assignee", "assignee"),
    Index("ix_complaints_department", "department"),
    # the scanner's one query: the complaints whose next check is due, earliest first
    Index("ix_complaints_next_check_at", "next_check_at"),
)

#: Every move of a complaint from a merged customer to the survivor, kept until the merge is undone (or for
#: good): an unmerge moves exactly these back, also after a chain of merges (A into B, then B into C).
moves = Table(
    "moves", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False),
    Column("from_customer", String(36), nullable=False),
    Column("to_customer", String(36), nullable=False),
    Column("moved_at", _UTC, nullable=False),
    Index("ix_moves_from_customer_to_customer", "from_customer", "to_customer"),
)

#: The timeline: every step with who and when.
steps = Table(
    "steps", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False),
    Column("at", _UTC, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_steps_complaint_id_id", "complaint_id", "id"),
)

callbacks = Table(
    "callbacks", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("satisfaction", String(20), nullable=False),
    Column("comment", Text),
    Column("recorded_by", String(100), nullable=False),
    Column("at", _UTC, nullable=False),
)

surveys = Table(
    "surveys", metadata,
    Column("complaint_id", String(36), ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("attitude", String(20), nullable=False),
    Column("skill", String(20), nullable=False),
    Column("timeliness", String(20), nullable=False),
    Column("promise_kept", String(20), nullable=False),
    Column("staff", JSON, nullable=False),
    Column("comment", Text),
    Column("recorded_by", String(100), nullable=False),
    Column("at", _UTC, nullable=False),
)

#: 整改通知单: a rectification notice to the responsible department, tracked to done [000].
rectifications = Table(
    "rectifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("department", String(100), nullable=False),
    Column("required_action", Text, nullable=False),
    Column("due_on", Date),
    Column("status", String(10), nullable=False),
    Column("issued_by", String(100), nullable=False),
    Column("issued_at", _UTC, nullable=False),
    Column("outcome", Text),
    Column("done_by", String(100)),
    Column("done_at", _UTC),
    Index("ix_rectifications_department_issued_at", "department", "issued_at"),
)

sla_policies = Table(
    "sla_policies", metadata,
    Column("id", String(36), primary_key=True),
    Column("category", String(20), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("acknowledge_minutes", Integer, nullable=False),
    Column("respond_minutes", Integer, nullable=False),
    Column("resolve_minutes", Integer, nullable=False),
    Column("first_callback_minutes", Integer, nullable=False),
    Column("warn_percent", Integer, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", _UTC, nullable=False),
    UniqueConstraint("category", "severity", name="uq_sla_policies_category_severity"),
)

#: Who is told when a complaint of a store is escalated to a level; store_id "*" is the group-wide default.
escalation_contacts = Table(
    "escalation_contacts", metadata,
    Column("id", String(36), primary_key=True),
    Column("store_id", String(100), nullable=False),
    Column("level", String(20), nullable=False),
    Column("username", String(100), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", _UTC, nullable=False),
    UniqueConstraint("store_id", "level", name="uq_escalation_contacts_store_id_level"),
)

#: Group-wide settings of the complaint workflow, one row per name (absent: the default).
settings = Table(
    "settings", metadata,
    Column("name", String(50), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", _UTC, nullable=False),
)
