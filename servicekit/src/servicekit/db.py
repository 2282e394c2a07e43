"""Database plumbing: engines, sessions, the kit's own tables (outbox, inbox) and migrations."""
from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from servicekit.events import dumps

#: Tables every service keeps beside its own: written by the kit, migrated by each service.
#: Constraint and index names every service's tables follow, so migrations name them the same everywhere.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}

kit_metadata = MetaData()

outbox = Table(
    "outbox", kit_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),  # the whole CloudEvent, as published
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)
# Only pending rows are indexed: the relay's "oldest pending first" stays one short index scan however
# many published rows the table keeps.
Index("ix_outbox_pending", outbox.c.id, postgresql_where=outbox.c.published_at.is_(None),
      sqlite_where=outbox.c.published_at.is_(None))
# Erasure finds a person's stored events by subject, and the outbox keeps every published event for replays.
Index("ix_outbox_subject", outbox.c.subject)

inbox = Table(
    "inbox", kit_metadata,
    Column("queue", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("type", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


#: Answers to writes sent with an Idempotency-Key (servicekit.idempotency), per caller.
idempotency_keys = Table(
    "idempotency_keys", kit_metadata,
    Column("key", String(200), primary_key=True),
    Column("caller", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("status", Integer, nullable=True),  # None while the first request is being processed
    Column("body", LargeBinary, nullable=True),
    Column("headers", Text, nullable=True),
)


def make_engine(url: str, *, statement_timeout: float | None = None, connect_timeout: float | None = 5.0,
                **kwargs) -> Engine:
    """An engine with the pragmas SQLite needs to be shared by several processes.

    With `statement_timeout` (seconds), a statement that runs longer is cut (servicekit.statement_timeout).
    On PostgreSQL a connection attempt gives up after `connect_timeout` seconds, and the URL may name several
    servers (`?host=a:5432&host=b:5432&target_session_attrs=read-write`): each is tried in turn and the one
    that accepts writes is kept, so after a fail-over the new connections find the promoted standby.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            # what is deleted or overwritten is zeroed, not left in free space (erased personal data)
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()
        if statement_timeout:
            _interrupt_after(engine, statement_timeout)
        return engine
    connect_args = dict(kwargs.pop("connect_args", {}))
    if statement_timeout:
        connect_args["options"] = f"-c statement_timeout={max(1, round(statement_timeout * 1000))}"  # milliseconds
    if connect_timeout:
        connect_args["connect_timeout"] = max(1, round(connect_timeout))  # libpq takes whole seconds
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _ping_when_idle(engine)
    event.listen(engine, "commit", _refuse_aborted_commit)
    return engine


#: Seconds a pooled PostgreSQL connection may sit unused before it is checked (one round trip) as it is handed out.
PING_IDLE_AFTER = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection on checkout only when it has been idle PING_IDLE_AFTER seconds or more: one that
    died while unused (a restart, a fail-over, an idle timeout) is replaced before it reaches the work.

    A connection in steady use is not pinged: that round trip was a fifth of a primary-key read. If the server
    goes away under it, its first statement fails as a transient error, and the work is run again on a new
    connection: a request that has committed nothing (servicekit.db_outages), an event (the consumer rides it
    out), a batch of the relay or a scan (their loops). This is SQLAlchemy's "pessimistic" recipe, made lazy:
    https://docs.sqlalchemy.org/en/20/core/pooling.html#disconnect-handling-pessimistic
    """
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"a pooled connection died while idle: {error}") from error
        if not alive:
            raise DisconnectionError("a pooled connection died while idle")


class AbortedTransaction(Exception):
    """A commit asked of a transaction PostgreSQL has already aborted: a statement in it failed and its error
    was caught without rolling back. The server answers such a COMMIT with ROLLBACK and no error, and the driver
    returns as if it had committed; this refuses it, so that the request fails instead of answering for a change
    that was not kept."""


def _refuse_aborted_commit(connection) -> None:
    # INERROR: a transaction with a failed statement, which can only end in a rollback
    # (https://www.postgresql.org/docs/current/libpq-status.html#LIBPQ-PQTRANSACTIONSTATUS)
    if connection.connection.dbapi_connection.info.transaction_status == TransactionStatus.INERROR:
        raise AbortedTransaction("This transaction was aborted by an earlier error that was not acted on; "
                                 "it is rolled back, nothing of it was kept.")


def _interrupt_after(engine: Engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler, called every few thousand steps of its virtual
    machine, interrupts a statement that has run `seconds` (sqlite3 raises OperationalError "interrupted").

    The clock runs from a statement's start until its execute returns: a grouping or sorting query does its
    work before the first row; rows fetched after, and the COMMIT, are never cut.
    """
    @event.listens_for(engine, "connect")
    def _handler(dbapi_connection, record) -> None:
        deadline = record.info["deadline"] = [math.inf]
        dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(connection, *_args) -> None:
        connection.info["deadline"][0] = time.monotonic() + seconds

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(connection, *_args) -> None:
        connection.info["deadline"][0] = math.inf


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (views read them after)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextlib.contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back when it raises."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def byte_ordered(length: int) -> Any:
    """`String(length)`, compared in byte order on PostgreSQL (`COLLATE "C"`) whatever the database's own
    collation: for keys and codes, which no person reads in alphabetical order. A prefix of such a column is a
    range of its plain index, and every comparison is a memcmp: under a linguistic collation (a database created
    with a Chinese ICU locale, say) each comparison an index lookup or a sort makes goes through the collation."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def given_keys(array: Any, column: str = "key") -> Any:
    """`array` (an array-valued expression or parameter) as a table `given` of one column: joined to a table on
    its key, each value is looked up in the key's index whatever the plan. `column IN (…)` and `= ANY(array)`
    are not: a prepared statement's generic plan, made while the table was small (or its statistics lagged),
    scans the table and compares each row with every value (servicekit.inbox, reporting.adapters.record_cache)."""
    return func.unnest(array).table_valued(column).render_derived(name="given")


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter, where hundreds of IN
    parameters take longer to send and to plan than the lookup itself (even fifty cost a page of
    customers a few milliseconds)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(values), type_=ARRAY(column.type), unique=True))
    return column.in_(list(values))


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (every one with the same keys) in `session`'s transaction: with COPY on PostgreSQL
    (many times faster than an INSERT a row), as one executemany elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    copy_rows(session, table, columns, ([json.dumps(row[name], ensure_ascii=False)
                                         if name in as_json and row[name] is not None else row[name]
                                         for name in columns] for row in rows))


#: Connection.info: what to call before a COPY on the connection (servicekit.pipelined: the statements queued
#: awaited first).
BEFORE_COPY = "servicekit.before_copy"


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY `rows` (each the values of `columns`, in that order) into `table` in `session`'s transaction
    (PostgreSQL): no statement to parse and no JSON to read, each row written by psycopg's C code."""
    connection = session.connection()
    before = connection.info.get(BEFORE_COPY)
    if before is not None:
        before()
    names = ", ".join(f'"{name}"' for name in columns)
    driver: Any = connection.connection.driver_connection  # psycopg's connection, for COPY
    with driver.cursor() as cursor, \
            cursor.copy(f'COPY {table_name(connection, table)} ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def update_many(session: Session, table: Table, match: Sequence[str], change: Sequence[str],
                rows: Sequence[dict[str, Any]]) -> int:
    """Update several rows of `table` at once, each row its own values: every row of `rows` has `key_<c>`
    for each column of `match` (the row is updated only where all of them are equal) and `new_<c>` for
    each column of `change`. Returns how many rows were updated.

    On PostgreSQL one `UPDATE … FROM json_to_recordset(…)`: the rows go as one JSON parameter (written by
    orjson, where psycopg's array adapter quotes every text element with a regular expression), so one
    statement and one plan however many rows; elsewhere one executemany."""
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        per_row = table.update().where(*(table.c[name] == bindparam(f"key_{name}") for name in match)) \
            .values({name: bindparam(f"new_{name}") for name in change})
        return session.execute(per_row, list(rows)).rowcount  # type: ignore[attr-defined]  # a CursorResult
    names = [f"key_{name}" for name in match] + [f"new_{name}" for name in change]
    columns = [table.c[name] for name in (*match, *change)]
    record = ", ".join(f'"{name}" {column.type.compile(dialect=dialect)}'
                       for name, column in zip(names, columns, strict=True))
    statement = (f'UPDATE {table_name(connection, table)} AS t SET ' + ", ".join(f'"{c}" = v."new_{c}"' for c in change)
                 + f" FROM json_to_recordset(CAST(:rows AS json)) AS v({record}) WHERE "
                 + " AND ".join(f't."{c}" = v."key_{c}"' for c in match))
    named = set(names)
    rows_json = dumps([row if row.keys() == named else {name: row[name] for name in names} for row in rows])
    return session.execute(text(statement), {"rows": rows_json}).rowcount  # type: ignore[attr-defined]  # a CursorResult


def table_name(connection: Connection, table: Table) -> str:
    """`table`'s name as a statement written as text must give it on `connection`: quoted, and in the schema
    that the connection's `schema_translate_map` puts it in, where SQLAlchemy's own statements would find it
    (a rebuild writes a copy of the tables in another schema that way)."""
    schema = table.schema
    translate = connection.get_execution_options().get("schema_translate_map")
    if translate and schema in translate:
        schema = translate[schema]
    preparer = connection.dialect.identifier_preparer
    return (f"{preparer.quote_schema(schema)}." if schema else "") + preparer.quote(table.name)


def ping(engine: Engine) -> None:
    """Raise unless the database answers."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def upgrade(database_url: str, migrations: Path) -> None:
    """Bring the database at `database_url` to the newest migration under `migrations`."""
    from alembic import command
    from alembic.config import Config

    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


def flush_erased(session: Session) -> None:
    """Once `session` commits an erasure, leave no old copy of the erased values in SQLite's write-ahead log.

    The log keeps every page as it was written until a checkpoint truncates it; with `secure_delete`
    the database file itself keeps nothing freed. PostgreSQL's dead row versions are not readable
    through SQL and go with (auto)vacuum, so there is nothing to do there.
    """
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(session, "after_commit", once=True)
    def _checkpoint(_session: Session) -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
