"""The customer service's tables; `metadata` is what its migrations target (the kit adds outbox, inbox)."""
from __future__ import annotations

from servicekit.db import NAMING_CONVENTION, byte_ordered
from servicekit.staff import users_table
from sqlalchemy import (
                        JSON,
                        BigInteger,
                        Boolean,
                        CheckConstraint,
                        Column,
                        Date,
                        DateTime,
                        ForeignKey,
                        Index,
                        Integer,
                        MetaData,
                        Numeric,
                        SmallInteger,
                        String,
                        Table,
                        Text,
                        false,
                        func,
                        text,
)

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_BIGID = BigInteger().with_variant(Integer, "sqlite")
_UTC = DateTime(timezone=True)
#: Byte-order collation on PostgreSQL so range scans on digit strings use the plain btree index.
_DIGITS = byte_ordered(20)

#: This service's copy of the gateway's users (servicekit.staff): who may own a customer or take them over.
staff_users = users_table(metadata)

customers = Table(
    "customers", metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("gender", String(10)),
    Column("birthday", Date),
    Column("email", String(320)),
    Column("address", String(500)),
    Column("region", JSON),
    Column("industry", String(100)),
    Column("employer", String(200)),
    Column("job_title", String(100)),
    Column("source", String(200)),
    Column("owner", String(100), index=True),
    Column("deputy_owner", String(100)),
    Column("notes", Text),
    Column("intent_grade", String(1)),
    Column("wanted_model", String(200)),
    Column("consent", JSON, nullable=False),
    Column("quiet_hours", JSON),
    Column("external_id", String(100), index=True),
    Column("created_at", _UTC, nullable=False, index=True),
    Column("updated_at", _UTC, nullable=False),
    # stores, membership, grading and lists, erasure (migration 0002)
    Column("store_id", String(40), ForeignKey("stores.id"), index=True),
    Column("tier", String(20), nullable=False, server_default="regular"),
    Column("points_balance", Integer, nullable=False, server_default="0"),
    Column("key_customer", Boolean, nullable=False, server_default=false()),
    Column("blacklisted", Boolean, nullable=False, server_default=false()),
    Column("blacklist_reason", String(500)),
    Column("credit_limit", Numeric(14, 2)),
    Column("erased_at", _UTC),
    CheckConstraint("points_balance >= 0", name="ck_customers_points_balance_not_negative"),
    Index("ix_customers_deputy_owner", "deputy_owner"),
    # a merged customer stays as a tombstone that resolves to its survivor (migration 0003)
    Column("merged_into", String(36), index=True),
    # 首次购车 / 增购 / 换购 (migration 0012)
    Column("purchase_type", String(20)),
    # the customer's openid with the dealership's WeChat official account (migration 0014)
    Column("wechat_openid", String(128)),
)
#: Duplicates are looked for by email whatever its case (migration 0003).
Index("ix_customers_email_lower", func.lower(customers.c.email))

#: The stores (门店) of the dealer group; customers and users belong to one or several.
stores = Table(
    "stores", metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region", JSON),
    Column("address", String(500)),
    Column("created_at", _UTC, nullable=False),
)

#: One row per change of a customer's points; the rows of a customer sum to its points_balance.
points_ledger = Table(
    "points_ledger", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("at", _UTC, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("points", Integer, nullable=False),
    Column("reason", String(500)),
    # what the entry answers to (a visit, a year's expiry), so it is never counted twice
    Column("ref", String(120), unique=True),
    Column("actor", String(100), nullable=False),
    Index("ix_points_ledger_customer_id_id", "customer_id", "id"),
)

#: Every grant or withdrawal of consent per channel, with when and where it was given (PIPL art. 14).
consent_records = Table(
    "consent_records", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("given_at", _UTC, nullable=False),
    Column("source", String(200), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", _UTC, nullable=False),
    Index("ix_consent_records_customer_id_id", "customer_id", "id"),
)

#: Every number of every customer, primary first: the unique key makes a phone belong to one customer.
customer_phones = Table(
    "customer_phones", metadata,
    Column("phone", String(20), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    # the digits reversed, so "ends with 8000" is a prefix range scan on an index
    Column("digits_reversed", _DIGITS, nullable=False, index=True),
)

#: Each e-mail address (as compared: trimmed, lower case) of a live customer: the primary key makes an address
#: belong to one customer, as customer_phones does a number (migration 0012). Addresses two customers already
#: shared before are held by the older one only (the duplicates listing shows the pair).
customer_emails = Table(
    "customer_emails", metadata,
    Column("email", String(320), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
)

customer_tags = Table(
    "customer_tags", metadata,
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(50), primary_key=True, index=True),
)

assets = Table(
    "assets", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("model", String(200)),
    Column("plate", String(20)),
    Column("plate_key", String(20), index=True),
    Column("vin", String(17), unique=True),
    Column("delivered_on", Date),
    Column("expires_on", Date),
    Column("description", String(500)),
    Column("created_at", _UTC, nullable=False),
    # corrections (migration 0011): a version per change, sold or scrapped, voided when registered by mistake
    Column("version", Integer, nullable=False, server_default="1"),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("updated_at", _UTC),
    Column("voided_at", _UTC),
    Column("voided_by", String(100)),
    Column("void_reason", String(500)),
)

odometer_readings = Table(
    "odometer_readings", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("asset_id", String(36), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("km", Integer, nullable=False),
    Column("read_on", Date, nullable=False),
    Column("visit_id", String(36)),
    Column("recorded_at", _UTC, nullable=False),
    # migration 0011: registration, visit, reading (on its own) or correction; who; set aside when found wrong
    Column("source", String(20)),
    Column("recorded_by", String(100)),
    Column("voided_at", _UTC),
)

visits = Table(
    "visits", metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("occurred_at", _UTC, nullable=False),
    Column("asset_id", String(36), ForeignKey("assets.id")),
    Column("staff", String(100)),
    Column("notes", Text),
    Column("details", JSON, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("created_at", _UTC, nullable=False),
    Index("ix_visits_customer_occurred", "customer_id", "occurred_at"),
    # corrections and the callback link (migration 0011)
    Column("version", Integer, nullable=False, server_default="1"),
    Column("reminder_id", String(36), index=True),
    Column("updated_at", _UTC),
    Column("voided_at", _UTC),
    Column("voided_by", String(100)),
    Column("void_reason", String(500)),
    # what recording the visit changed of the customer (a delivery that made a prospect an owner), to undo on void
    Column("effects", JSON),
)

history = Table(
    "history", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("at", _UTC, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("changes", JSON, nullable=False),
    Index("ix_history_customer_id_id", "customer_id", "id"),
)

#: Byte-order collation on PostgreSQL so prefix searches on keys are range scans of the plain btree index.
_KEY = byte_ordered(64)

#: The customer's columns its search keys carry, so that a search limited to some stores or filtered on
#: them reads the keys alone (writers give them; triggers follow a change: migrations 0006 and 0009).
KEY_CARRIES = ("store_id", "owner", "stage", "tier", "intent_grade", "key_customer", "blacklisted")

#: What a name can be found by (customer.domain.pinyin): every suffix of the name, and the pinyin and its
#: initials from every syllable on. "contains x" is then "some key starts with x": a range scan on `key`.
#: The customer's created_at is copied here so that one page of a broad term (ranked, then newest first) is
#: read from an index in order instead of gathering every hit (customer.adapters.search_page); migration 0004.
#: The columns of KEY_CARRIES are copied too, and are in every index on the keys.
customer_search_keys = Table(
    "customer_search_keys", metadata,
    # no foreign key on PostgreSQL: written only with its customer, and customers are never deleted (migration 0007)
    Column("customer_id", String(36), primary_key=True),
    Column("kind", SmallInteger, primary_key=True),  # 0 name, 1 pinyin, 2 initials
    Column("position", SmallInteger, primary_key=True),  # where in the name the key starts (0 = the start)
    Column("key", _KEY, nullable=False),
    # the customer's created_at: a writer may give it, else a trigger copies it from customers (migration 0004)
    Column("created_at", _UTC),
    # what they carry of the customer, of the same types, NULL allowed (the triggers fill them in later)
    *(Column(name, customers.c[name].type) for name in KEY_CARRIES),
    # keys of one kind at the start of the name: an exact key is read newest first, a range is one tight range
    Index("ix_customer_search_keys_start_key", "kind", "key", "created_at", "customer_id",
          postgresql_include=list(KEY_CARRIES), postgresql_where=text("position = 0"),
          sqlite_where=text("position = 0")),
    Index("ix_customer_search_keys_inside_key", "key", "created_at", "customer_id",
          postgresql_include=list(KEY_CARRIES), postgresql_where=text("position > 0"),
          sqlite_where=text("position > 0")),
    # the same for staff limited to their stores: only their stores' keys are read (migration 0008)
    Index("ix_customer_search_keys_store_start_key", "store_id", "kind", "key", "created_at", "customer_id",
          postgresql_include=list(KEY_CARRIES[1:]), postgresql_where=text("position = 0 AND store_id IS NOT NULL"),
          sqlite_where=text("position = 0 AND store_id IS NOT NULL")),
    Index("ix_customer_search_keys_store_inside_key", "store_id", "key", "created_at", "customer_id",
          postgresql_include=list(KEY_CARRIES[1:]), postgresql_where=text("position > 0 AND store_id IS NOT NULL"),
          sqlite_where=text("position > 0 AND store_id IS NOT NULL")),
    # newest first among the keys of one rank, the key in the index: a broad prefix is read in order
    Index("ix_customer_search_keys_name_start", "created_at", "customer_id",
          postgresql_include=["key", *KEY_CARRIES], postgresql_where=text("kind = 0 AND position = 0"),
          sqlite_where=text("kind = 0 AND position = 0")),
    Index("ix_customer_search_keys_sound_start", "created_at", "customer_id",
          postgresql_include=["key", *KEY_CARRIES], postgresql_where=text("kind <> 0 AND position = 0"),
          sqlite_where=text("kind <> 0 AND position = 0")),
    Index("ix_customer_search_keys_inside", "created_at", "customer_id", postgresql_include=["key", *KEY_CARRIES],
          postgresql_where=text("position > 0"), sqlite_where=text("position > 0")),
)

#: One merge of two customers: who survived, the records as they were (for an exact undo), the window.
customer_merges = Table(
    "customer_merges", metadata,
    Column("id", String(36), primary_key=True),
    Column("survivor_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("merged_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("merged_at", _UTC, nullable=False),
    Column("undo_until", _UTC, nullable=False),
    Column("choices", JSON, nullable=False),
    Column("survivor_before", JSON, nullable=False),
    Column("merged_before", JSON, nullable=False),
    Column("survivor_version", Integer, nullable=False),  # the survivor's version the merge left
    Column("moved", JSON, nullable=False),  # {table: rows moved}
    Column("undone_at", _UTC),
    Column("undone_by", String(100)),
)

#: Every row a merge moved from the merged customer to the survivor, so an undo moves exactly those back.
merge_moves = Table(
    "merge_moves", metadata,
    Column("merge_id", String(36), ForeignKey("customer_merges.id", ondelete="CASCADE"), primary_key=True),
    Column("table_name", String(40), primary_key=True),
    Column("row_id", String(40), primary_key=True),
)

#: A bulk import (CSV or XLSX): its options, progress and counts; its rows' errors are in import_errors.
customer_imports = Table(
    "customer_imports", metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),  # running, done, failed
    Column("mode", String(10), nullable=False),
    Column("key", String(20), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("format", String(10), nullable=False),
    Column("filename", String(200)),
    Column("actor", String(100), nullable=False),
    # the stores whose staff see it (service_layer.imports._reach); null: callers of every store only
    Column("stores", JSON),
    Column("rows_total", Integer, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("problem", Text),  # why the whole import failed (an unreadable file), if it did
    Column("created_at", _UTC, nullable=False),
    Column("updated_at", _UTC, nullable=False),  # moves with every chunk: a stale one was interrupted
    Column("finished_at", _UTC),
)

import_errors = Table(
    "import_errors", metadata,
    Column("id", _BIGID, primary_key=True, autoincrement=True),
    Column("import_id", String(36), ForeignKey("customer_imports.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("column", String(100), nullable=False),
    Column("message", String(1000), nullable=False),
    Index("ix_import_errors_import_id_id", "import_id", "id"),
)
