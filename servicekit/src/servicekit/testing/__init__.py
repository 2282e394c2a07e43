"""pytest fixtures every service's tests share: a throwaway PostgreSQL database and RabbitMQ vhost
per test run, a private RabbitMQ cluster for the tests that take nodes down, settings and tokens.
Loaded automatically (pytest11 entry point); every name is importable from `servicekit.testing`.

- servers: the databases, vhosts, a private PostgreSQL server, stand-in publishers (servicekit.testing.servers);
- cluster: the private RabbitMQ cluster (servicekit.testing.cluster);
- proxy: the TCP fault proxy (servicekit.testing.proxy);
- here: migrated SQLite files, settings, tokens, a user delivered to a service's copy.

The real servers are required: when they cannot be reached the run fails loudly, it never skips.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from servicekit.auth import Identity, issue_token
from servicekit.config import Settings
from servicekit.testing.cluster import CLUSTER_SCRIPT, PrivateCluster, free_cluster_port, rabbitmq_cluster
from servicekit.testing.proxy import TcpProxy
from servicekit.testing.servers import (
    AMQP_BASE_URL,
    PG_ADMIN_URL,
    RUN_ID,
    StandIn,
    ThrowawayDatabases,
    amqp_url,
    broker_reachable,
    postgres_database,
    private_postgres,
    stand_in,
    throwaway_vhost,
)

__all__ = [
    "AMQP_BASE_URL", "CLUSTER_SCRIPT", "PG_ADMIN_URL", "RUN_ID", "TEST_SECRET", "PrivateCluster", "StandIn",
    "TcpProxy", "ThrowawayDatabases", "amqp_url", "auth_headers", "broker_reachable", "deliver_user",
    "free_cluster_port", "make_settings", "migrated_sqlite", "postgres_database", "private_postgres",
    "rabbitmq_cluster", "stand_in", "throwaway_vhost", "token_for",
]

TEST_SECRET = "test-secret-not-for-production-0123456789"


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory) -> dict[Path, Path]:
    return {}


@pytest.fixture
def migrated_sqlite(tmp_path: Path, tmp_path_factory, _migrated_templates) -> Callable[[Path, str], str]:
    """`migrated_sqlite(migrations, "customer")`: the URL of a fresh SQLite file at the newest migration.

    The real migrations run once per test session; each test gets its own copy of the result, which is
    as fresh as migrating again and much faster.
    """

    def make(migrations: Path, name: str) -> str:
        template = _migrated_templates.get(migrations)
        if template is None:
            template = tmp_path_factory.mktemp("migrated") / f"{name}.db"
            from servicekit.db import upgrade

            upgrade(f"sqlite:///{template}", migrations)
            _migrated_templates[migrations] = template
        target = tmp_path / "databases" / f"{name}.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    return make


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a service under test; the var folder is the test's own temporary folder."""

    def make(service: str, **overrides) -> Settings:
        env = {"CRM_VAR_DIR": str(tmp_path / "var"), "CRM_AUTH_SECRET": TEST_SECRET}
        return Settings.from_env(service, env, **overrides)

    return make


def token_for(role: str, subject: str | None = None, secret: str = TEST_SECRET,
              stores: tuple[str, ...] = ()) -> str:
    """A bearer token for a caller with `role` (signed with the test secret), tied to `stores` if any."""
    return issue_token(secret, Identity(subject or f"test-{role}", role, stores=tuple(stores)), 3600)


def auth_headers(role: str = "admin", subject: str | None = None, stores: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers that authenticate a test caller with `role` (limited to `stores` when given)."""
    return {"Authorization": f"Bearer {token_for(role, subject, stores=stores)}"}


def deliver_user(app, queue: str, username: str, **fields) -> str:
    """Apply a user event (servicekit.staff.user_data fields) to a service's users copy through its consumer's
    inbox on `queue`, as the gateway would publish it; returns what apply_once says."""
    from servicekit import staff
    from servicekit.consumer import apply_once
    from servicekit.events import new_event
    from servicekit.webapp import service_context

    event = new_event("gateway", "user.updated.v1", username, staff.user_data(username, **fields))
    return apply_once(service_context(app).sessions, queue, event, staff.apply_user_event)
