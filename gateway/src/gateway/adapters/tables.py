"""The gateway's tables: users, API keys and saved views (the kit's outbox and inbox live beside them)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, UniqueConstraint

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False, index=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # the store ids the user works for; empty: the whole dealer group
    Column("stores", JSON, nullable=False, server_default="[]"),
    # bumped on every change of active flag, role, stores or password: older session tokens stop standing
    Column("token_version", Integer, nullable=False, server_default="0"),
    Column("display_name", String(100), nullable=True),
    # {phone, email, wechat_openid}: where staff notifications reach the user
    Column("contacts", JSON, nullable=False, server_default="{}"),
    # bumped on every change others see (user.created.v1 / user.updated.v1 carry it)
    Column("version", Integer, nullable=False, server_default="1"),
    # the version last published; below `version` (or null): the gateway announces the user at its start
    Column("announced_version", Integer, nullable=True),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # the store ids the key's system works for; empty: the whole dealer group
    Column("stores", JSON, nullable=False, server_default="[]"),
)

# one row per failed password login, kept for CRM_LOGIN_FAILURE_WINDOW (gateway.domain.throttle)
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_username", "username", "failed_at"),
    Index("ix_login_failures_address", "address", "failed_at"),
    Index("ix_login_failures_failed_at", "failed_at"),
)

# a list's filter kept under a name (gateway.domain.saved_views); shared: seen by the people of `store_id`
# (null: the whole group)
saved_views = Table(
    "saved_views", metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("screen", String(20), nullable=False),
    Column("query", String(2000), nullable=False),
    Column("shared", Boolean, nullable=False),
    Column("store_id", String(40), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner", "screen", "name", name="uq_saved_views_owner_screen_name"),
    Index("ix_saved_views_store", "shared", "store_id"),
)
