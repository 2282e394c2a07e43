"""A fresh copy of the read model beside the live one, and the swap that puts it in place.

The copy has the same tables under another schema: on PostgreSQL the schema `reporting_rebuild` of the
same database; on SQLite a second file attached as `rebuild`. SQLAlchemy's schema translation points
the read model's tables (and the kit's inbox) at the copy, so the same handlers fill it.

The swap happens in one transaction that first locks the live tables (PostgreSQL: ACCESS EXCLUSIVE, so
the live consumer's transactions finish before and wait after; with a short lock timeout, so that a
report or a consumer holding one of them is never deadlocked with the swap: the swap gives way and is
tried again), then on PostgreSQL moves the tables between schemas, and on SQLite copies the rows over.
"""
from __future__ import annotations

from pathlib import Path

from servicekit.db import inbox, make_engine
from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, Engine

from reporting.adapters.tables import READ_MODEL, metadata

SCHEMA = "reporting_rebuild"
SQLITE_SCHEMA = "rebuild"
RETIRED = "reporting_retired"
SWAPPED: tuple[Table, ...] = (*READ_MODEL, inbox)
#: How long the swap waits for the live tables' locks before it lets go of them all and tries again.
LOCK_TIMEOUT_MS = 250


class RebuildCopy:
    """The fresh copy of the read model for one database."""

    def __init__(self, database_url: str) -> None:
        self.live = make_engine(database_url)
        self.postgres = self.live.dialect.name == "postgresql"
        if self.postgres:
            self.schema = SCHEMA
            self.engine: Engine = make_engine(database_url)
        else:
            path = Path(database_url[len("sqlite:///"):])
            self.file = path.with_name(path.name + ".rebuild")
            self.schema = SQLITE_SCHEMA
            self.engine = make_engine(database_url)

            @event.listens_for(self.engine, "connect")
            def _attach(dbapi_connection, _record) -> None:
                dbapi_connection.execute(f"ATTACH DATABASE '{self.file}' AS {SQLITE_SCHEMA}")
        self.translated = self.engine.execution_options(schema_translate_map={None: self.schema})

    def create(self) -> None:
        """Drop any earlier copy and create empty tables for a new one."""
        if self.postgres:
            with self.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        else:
            self.engine.dispose()
            self.file.unlink(missing_ok=True)
        with self.translated.begin() as connection:
            for table in (*metadata.sorted_tables, inbox):
                table.create(connection)

    def lock_live(self, connection: Connection) -> None:
        """In `connection`'s transaction: hold the live read model until the transaction ends.

        The inbox is locked first: it is the first table a live consumer's transaction reads, so one that
        has not begun waits there, and one under way is waited for before anything else is locked. The
        other tables are read in no one order (a report reads the tallies, then the customers; the consumer
        the customers, then the tallies), so a reader can hold one table while waiting for another the swap
        holds already: the locks are taken with a short `lock_timeout` (LOCK_TIMEOUT_MS), and a swap that
        cannot have them all by then fails with LockNotAvailable, lets go of every lock and is tried again
        (rebuild.swap_in). Nobody waits for the swap more than that long before it has every table.
        """
        if self.postgres:
            live = connection.execute(text("SELECT current_schema()")).scalar()
            names = ["inbox", "rebuild_state", "rebuild_backlog", *(t.name for t in READ_MODEL)]
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
            connection.execute(text(f"LOCK TABLE {', '.join(f'{live}.{n}' for n in names)} IN ACCESS EXCLUSIVE MODE"))
            connection.execute(text("SET LOCAL lock_timeout = 0"))
        else:  # the first write takes SQLite's one write lock
            connection.execute(text("UPDATE main.rebuild_state SET status = 'swapping'"))

    def swap(self, connection: Connection) -> None:
        """In `connection`'s transaction (on `self.engine`): the copy becomes the live read model."""
        names = [table.name for table in SWAPPED]
        if self.postgres:
            live = connection.execute(text("SELECT current_schema()")).scalar()
            connection.execute(text(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {RETIRED}"))
            for name in names:
                connection.execute(text(f"ALTER TABLE {live}.{name} SET SCHEMA {RETIRED}"))
                connection.execute(text(f"ALTER TABLE {SCHEMA}.{name} SET SCHEMA {live}"))
            connection.execute(text(f"DROP SCHEMA {RETIRED} CASCADE"))
            return
        for table in SWAPPED:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            connection.execute(text(f'DELETE FROM main."{table.name}"'))
            connection.execute(text(f'INSERT INTO main."{table.name}" ({columns}) '
                                    f'SELECT {columns} FROM {SQLITE_SCHEMA}."{table.name}"'))

    def drop(self) -> None:
        """Remove the copy (after a swap, or when a rebuild is abandoned)."""
        if self.postgres:
            with self.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        self.engine.dispose()
        self.live.dispose()
        if not self.postgres:
            self.file.unlink(missing_ok=True)
