"""deploy/postgres/init-databases.sh, run the way the postgres image runs it, then each migration.

A throwaway PostgreSQL cluster stands in for the container: its first connection is over the local
socket as the superuser (as in /docker-entrypoint-initdb.d), and the services then log in over TCP
with passwords, as they do from their own containers.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from deployfiles import API_CLIENTS, INIT_SCRIPT, ROOT, guanxi_command
from servicekit.processes import free_port
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Cluster:
    """A running throwaway PostgreSQL server."""

    socket_dir: Path
    port: int


def _run(command: list[str]) -> None:
    """Run a server tool; fail the test run with its own words when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed: {result.stderr or result.stdout}", pytrace=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster with password authentication over TCP, as the postgres image configures it."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("initdb and pg_ctl (PostgreSQL server binaries) are needed on PATH", pytrace=False)
    # Not under pytest's own temporary folder: the server's user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="guanxi-postgres-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()
    try:
        _run([*as_owner, initdb, "-D", str(data), "-U", "postgres", "--auth-local=trust",
              "--auth-host=scram-sha-256", "--no-sync"])
        _run([*as_owner, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
              f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
        yield Cluster(base, port)
    finally:
        subprocess.run([*as_owner, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def initialised(cluster: Cluster, services: dict) -> Cluster:
    """The cluster after the init script ran with the postgres container's environment from compose."""
    env = {**os.environ, **{k: str(v) for k, v in services["postgres"]["environment"].items()},
           "POSTGRES_USER": "postgres", "PGHOST": str(cluster.socket_dir), "PGPORT": str(cluster.port)}
    result = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return cluster


def service_urls(services: dict, cluster: Cluster) -> dict[str, str]:
    """Compose process name -> its database URL, pointed at the throwaway cluster."""
    urls = {}
    for name, service in services.items():
        command = guanxi_command(service)
        if command and command[0] not in API_CLIENTS:  # the console has no database
            url = make_url(service["environment"][f"CRM_{command[0].upper()}_DATABASE_URL"])
            urls[name] = url.set(host="127.0.0.1", port=cluster.port).render_as_string(hide_password=False)
    return urls


def connect(url: str) -> psycopg.Connection:
    """A psycopg connection from a SQLAlchemy URL."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5)


def test_each_process_logs_in_to_its_own_database_as_its_owner(initialised: Cluster, services: dict) -> None:
    for name, url in service_urls(services, initialised).items():
        with connect(url) as connection:
            user, database = connection.execute("SELECT current_user, current_database()").fetchone()
            owner = connection.execute("SELECT pg_get_userbyid(datdba) FROM pg_database "
                                       "WHERE datname = current_database()").fetchone()[0]
        assert user == database == owner, f"{name}: {user} in {database} owned by {owner}"


def test_no_service_can_open_another_services_database(initialised: Cluster, services: dict) -> None:
    urls = service_urls(services, initialised)
    databases = {make_url(url).database for url in urls.values()}
    assert len(databases) >= 2
    for url in urls.values():
        own = make_url(url)
        for other in databases - {own.database}:
            with pytest.raises(psycopg.OperationalError, match="permission denied"):
                connect(own.set(database=other).render_as_string(hide_password=False)).close()


def test_a_wrong_password_is_refused(initialised: Cluster, services: dict) -> None:
    url = make_url(next(iter(service_urls(services, initialised).values())))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(url.set(password="not-the-password").render_as_string(hide_password=False)).close()


def test_every_migration_runs_as_its_service_role(initialised: Cluster, services: dict, tmp_path: Path) -> None:
    urls = service_urls(services, initialised)
    migrations = [name for name, service in services.items() if guanxi_command(service)
                  and guanxi_command(service)[1] == "migrate"]
    assert migrations
    for name in migrations:
        package = guanxi_command(services[name])[0]
        env = {**os.environ, **{k: str(v) for k, v in services[name]["environment"].items()},
               f"CRM_{package.upper()}_DATABASE_URL": urls[name], "CRM_VAR_DIR": str(tmp_path / name)}
        result = subprocess.run([sys.executable, "-m", package, "migrate"], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"
        with connect(urls[name]) as connection:
            tables = {row[0] for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"alembic_version", "outbox", "inbox"} <= tables, f"{name} created {sorted(tables)}"
