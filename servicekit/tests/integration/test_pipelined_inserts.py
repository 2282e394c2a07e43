"""A batch's plain INSERTs pipelined on PostgreSQL (servicekit.pipelined): queued, not awaited one by one, and
yet every read sees them, a failure raises as SQLAlchemy's own error, and all of it is one transaction."""
import threading
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from kithelpers import applied, applied_rows, record_applied
from servicekit.consumer import apply_batch, apply_once
from servicekit.db import bulk_insert, inbox, make_session_factory, unit_of_work
from servicekit.events import new_event
from servicekit.pipelined import inserts_pipelined
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    event,
    func,
    literal,
    select,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DataError, IntegrityError

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


def _events(count: int) -> list:
    return [new_event("test", "thing.happened.v1", f"agg-{i % 3}", {"seq": i}) for i in range(count)]


def test_one_row_inserts_are_kept_then_written_in_one_statement_before_anything_else(pg_sessions):
    sent: list[str] = []
    with unit_of_work(pg_sessions) as session, inserts_pipelined(session):
        event.listen(session.connection(), "before_cursor_execute", lambda *args: sent.append(args[2]))
        session.execute(applied.insert().values(event_id="e1", subject="s", seq=1))
        result = session.execute(applied.insert().values(event_id="e2", subject="s", seq=2))
        assert result.rowcount == 1
        assert sent == []  # kept, nothing sent yet
        assert session.execute(select(func.count()).select_from(applied)).scalar() == 2
        assert len(sent) == 2 and sent[0].startswith("INSERT INTO applied")  # both rows in one INSERT, then the read
        session.execute(applied.insert().values(event_id="e3", subject="s", seq=3))
        session.execute(applied.insert().values(event_id="e4", subject="s", seq=literal(2) + 2))  # an expression
        session.execute(applied.insert().values(event_id="e5", subject="s", seq=5))
    assert [row.seq for row in applied_rows(pg_sessions)] == [1, 2, 3, 4, 5]


def test_inserts_are_queued_in_a_pipeline_and_a_read_sees_them(pg_sessions):
    with unit_of_work(pg_sessions) as session, inserts_pipelined(session):
        driver = session.connection().connection.driver_connection
        session.execute(applied.insert(), [{"event_id": "e1", "subject": "s", "seq": 1},
                                           {"event_id": "e2", "subject": "s", "seq": 2}])
        assert driver.pgconn.pipeline_status != 0  # queued, not awaited
        assert session.execute(select(func.count()).select_from(applied)).scalar() == 2
        assert driver.pgconn.pipeline_status == 0  # the read waited for them
        session.execute(applied.insert(), [{"event_id": "e3", "subject": "s", "seq": 3}])
    assert [row.seq for row in applied_rows(pg_sessions)] == [1, 2, 3]


def test_a_batch_applies_every_event_in_order_with_its_inbox_rows(pg_sessions):
    events = _events(50)
    outcomes = apply_batch(pg_sessions, [("q", event, record_applied) for event in events])
    assert outcomes == ["applied"] * 50
    assert [row.event_id for row in applied_rows(pg_sessions)] == [event.id for event in events]
    assert apply_batch(pg_sessions, [("q", event, record_applied) for event in events]) == ["duplicate"] * 50
    assert len(applied_rows(pg_sessions)) == 50


def test_a_failing_insert_raises_as_an_integrity_error_and_nothing_of_the_batch_stays(pg_sessions):
    with unit_of_work(pg_sessions) as session:
        session.execute(inbox.insert().values(queue="other", event_id="taken", type="t", applied_at=NOW))

    def duplicates(session, event):
        record_applied(session, event)
        if event.data["seq"] == 2:
            session.execute(inbox.insert().values(queue="other", event_id="taken", type="t", applied_at=NOW))

    events = _events(5)
    with pytest.raises(IntegrityError):
        apply_batch(pg_sessions, [("q", event, duplicates) for event in events])
    assert applied_rows(pg_sessions) == []
    with pytest.raises(IntegrityError):  # one by one: the bad event is found, not taken for a duplicate
        apply_once(pg_sessions, "q", events[2], duplicates)
    assert apply_once(pg_sessions, "q", events[0], duplicates) == "applied"
    assert [row.event_id for row in applied_rows(pg_sessions)] == [events[0].id]


def test_a_handler_catching_a_duplicate_in_a_savepoint_goes_on(pg_sessions):
    with unit_of_work(pg_sessions) as session:
        session.execute(inbox.insert().values(queue="other", event_id="taken", type="t", applied_at=NOW))
    caught = []

    def tolerant(session, event):
        try:
            with session.begin_nested():
                session.execute(inbox.insert().values(queue="other", event_id="taken", type="t", applied_at=NOW))
        except IntegrityError:
            caught.append(event.id)
        record_applied(session, event)

    events = _events(3)
    assert apply_batch(pg_sessions, [("q", event, tolerant) for event in events]) == ["applied"] * 3
    assert caught == [event.id for event in events]
    assert [row.event_id for row in applied_rows(pg_sessions)] == [event.id for event in events]


def test_an_insert_asking_for_its_key_still_gets_it(pg_sessions):
    with unit_of_work(pg_sessions) as session, inserts_pipelined(session):
        session.execute(applied.insert().values(event_id="e1", subject="s", seq=1))
        key = session.execute(applied.insert().values(event_id="e2", subject="s", seq=2)
                              .returning(applied.c.n)).scalar_one()
    assert [row.event_id for row in applied_rows(pg_sessions)] == ["e1", "e2"]
    assert key == 2


# Rows kept go to the server as one `INSERT … SELECT … FROM unnest(arrays)` per table and run: what is stored is
# what SQLAlchemy's own INSERT stores, for every column type that goes through an array and for those that do not.
kinds_metadata = MetaData()
kinds = Table(
    "kinds", kinds_metadata, Column("n", Integer, primary_key=True, autoincrement=True),
    Column("label", String(40)), Column("note", Text), Column("count", BigInteger), Column("flag", Boolean),
    Column("ratio", Float), Column("amount", Numeric(12, 2)), Column("at", DateTime(timezone=True)),
    Column("local_at", DateTime), Column("day", Date), Column("ref", Uuid), Column("doc", JSON),
    Column("docb", JSONB), Column("nullable_doc", JSON(none_as_null=True)),
    Column("server_side", String(10), server_default="server"))
others = Table(
    "others", kinds_metadata, Column("n", Integer, primary_key=True, autoincrement=True),
    Column("label", String(40)), Column("blob", LargeBinary), Column("mood", SAEnum("happy", "sad", name="mood")),
    Column("tags", ARRAY(String)))
with_default = Table("with_default", kinds_metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                     Column("label", String(40)), Column("defaulted", String(10), default="python"))

_KIND_ROWS = [
    {"label": "张三", "note": "首保完成，客户满意 \\ \" ' {} , NULL", "count": 2**40, "flag": True, "ratio": 0.1,
     "amount": Decimal("1280.50"), "at": datetime(2026, 12, 4, 8, 30, tzinfo=UTC),
     "local_at": datetime(2026, 1, 2, 3, 4),
     "day": date(2026, 2, 28), "ref": uuid.UUID("0b6f1c3e-4a39-4a51-9d6f-2f8f5b4e7a10"),
     "doc": {"name": "李四", "list": [1, 2.5, None, "x"], "nested": {"a": True}}, "docb": {"k": "v"},
     "nullable_doc": {"a": 1}},
    {"label": None, "note": "", "count": None, "flag": None, "ratio": None, "amount": None, "at": None,
     "local_at": None, "day": None, "ref": None, "doc": None, "docb": None, "nullable_doc": None},
    {"label": "NULL", "note": "\t\n😀", "count": -1, "flag": False, "ratio": -1e300, "amount": Decimal("-0.01"),
     "at": datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "local_at": datetime(2000, 1, 1),
     "day": date(1, 1, 1), "ref": uuid.UUID(int=0), "doc": ["a", "b"], "docb": "text", "nullable_doc": [None]},
]


@pytest.fixture
def kind_sessions(pg_sessions):
    engine = pg_sessions.kw["bind"]
    kinds_metadata.create_all(engine)
    return pg_sessions


def _stored(sessions, table) -> list:
    with unit_of_work(sessions) as session:
        return [row._asdict() for row in session.execute(select(table).order_by(table.c.n))]


def _nulls(sessions, table, column: str) -> list:
    """Which rows hold SQL NULL (not JSON null) in `column`, in order."""
    with unit_of_work(sessions) as session:
        return list(session.execute(select(table.c[column].is_(None)).order_by(table.c.n)).scalars())


def _insert_kept(sessions, table, rows) -> list[str]:
    sent: list[str] = []
    with unit_of_work(sessions) as session, inserts_pipelined(session):
        event.listen(session.connection(), "before_cursor_execute", lambda *args: sent.append(args[2]))
        for row in rows:
            session.execute(table.insert().values(**row))
    return sent


def _insert_plainly(sessions, table, rows) -> None:
    with unit_of_work(sessions) as session:
        for row in rows:
            session.execute(table.insert().values(**row))


def test_kept_rows_are_one_unnest_insert_storing_what_a_plain_insert_stores(kind_sessions):
    rows = _KIND_ROWS * 3
    sent = _insert_kept(kind_sessions, kinds, rows)
    assert len(sent) == 1 and "unnest" in sent[0]
    kept = _stored(kind_sessions, kinds)
    kept_nulls = {column: _nulls(kind_sessions, kinds, column) for column in ("doc", "docb", "nullable_doc")}
    with unit_of_work(kind_sessions) as session:
        session.execute(kinds.delete())
    _insert_plainly(kind_sessions, kinds, rows)
    plain = _stored(kind_sessions, kinds)
    assert [{k: v for k, v in row.items() if k != "n"} for row in kept] == \
        [{k: v for k, v in row.items() if k != "n"} for row in plain]
    assert kept_nulls == {column: _nulls(kind_sessions, kinds, column) for column in ("doc", "docb", "nullable_doc")}
    assert kept_nulls["doc"] == [False, False, False] * 3  # None in a JSON column is JSON null, as SQLAlchemy writes it
    assert kept_nulls["nullable_doc"] == [False, True, False] * 3
    assert [row["label"] for row in kept] == ["张三", None, "NULL"] * 3  # in their order
    assert [row["server_side"] for row in kept] == ["server"] * 9
    assert [row["n"] for row in kept] == sorted(row["n"] for row in kept)


@pytest.mark.parametrize("rows", [
    [{"label": "a", "blob": b"\x00\x01"}, {"label": "b", "blob": None}],  # bytes: not through an array
    [{"label": "a", "mood": "happy"}, {"label": "b", "mood": "sad"}],  # an enumerated type
    [{"label": "a", "tags": ["x", "y"]}, {"label": "b", "tags": []}],  # an array column
])
def test_rows_of_a_column_type_an_array_does_not_carry_are_inserted_as_before(kind_sessions, rows):
    sent = _insert_kept(kind_sessions, others, rows)
    assert len(sent) == 1 and "unnest" not in sent[0]
    assert [{key: row[key] for key in rows[0]} for row in _stored(kind_sessions, others)] == rows


def test_rows_leaving_out_a_column_with_a_default_computed_in_python_are_inserted_as_before(kind_sessions):
    sent = _insert_kept(kind_sessions, with_default, [{"label": "a"}, {"label": "b"}])
    assert len(sent) == 1 and "unnest" not in sent[0]
    assert [(row["label"], row["defaulted"]) for row in _stored(kind_sessions, with_default)] == \
        [("a", "python"), ("b", "python")]
    sent = _insert_kept(kind_sessions, with_default,
                        [{"label": "c", "defaulted": "given"}, {"label": "d", "defaulted": None}])
    assert "unnest" in sent[0]
    assert [(row["label"], row["defaulted"]) for row in _stored(kind_sessions, with_default)][2:] == \
        [("c", "given"), ("d", None)]


def test_values_of_mixed_python_types_in_one_column_are_inserted_as_before(kind_sessions):
    rows = [{"label": "a", "ratio": 1}, {"label": "b", "ratio": 2.5}, {"label": "c", "ratio": None}]
    sent = _insert_kept(kind_sessions, kinds, rows)
    assert "unnest" not in sent[0]
    assert [(row["label"], row["ratio"]) for row in _stored(kind_sessions, kinds)] == \
        [("a", 1.0), ("b", 2.5), ("c", None)]


def test_a_value_too_long_for_its_column_fails_the_insert_as_before(kind_sessions):
    with pytest.raises(DataError):
        _insert_kept(kind_sessions, kinds, [{"label": "x" * 41}, {"label": "y"}])
    assert _stored(kind_sessions, kinds) == []


def test_an_event_twice_in_one_batch_is_applied_once(pg_sessions):
    events = _events(3)
    batch = [("q", events[0], record_applied), ("q", events[1], record_applied), ("q", events[0], record_applied),
             ("other", events[0], record_applied), ("q", events[2], record_applied)]
    assert apply_batch(pg_sessions, batch) == ["applied", "applied", "duplicate", "applied", "applied"]
    assert [row.event_id for row in applied_rows(pg_sessions)] == [events[i].id for i in (0, 1, 0, 2)]
    with unit_of_work(pg_sessions) as session:
        assert session.execute(select(func.count()).select_from(inbox)).scalar() == 4


@pytest.mark.parametrize("loading_first", [False, True], ids=["claimed-first", "claimed-beside"])
@pytest.mark.parametrize("other_commits", [True, False])
def test_an_event_another_transaction_holds_waits_for_it(pg_sessions, other_commits, loading_first):
    """Held by a transaction still open: the batch waits; a duplicate if that one commits, applied if not (whether
    it is claimed first, or beside handlers that load its rows up front)."""
    events = _events(2)
    handler = _loading_first() if loading_first else record_applied
    holder = pg_sessions()
    holder.execute(inbox.insert().values(queue="q", event_id=events[0].id, type="t", applied_at=NOW))
    holder.flush()
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(
        apply_batch(pg_sessions, [("q", event, handler) for event in events])))
    worker.start()
    worker.join(1.0)
    assert worker.is_alive()  # waiting for the holder
    if other_commits:
        holder.commit()
    else:
        holder.rollback()
    holder.close()
    worker.join(10)
    assert outcome == [["duplicate", "applied"] if other_commits else ["applied", "applied"]]
    assert [row.event_id for row in applied_rows(pg_sessions)] == \
        ([events[1].id] if other_commits else [events[0].id, events[1].id])


def test_the_claim_and_the_rows_kept_follow_the_schema_translate_map(pg_sessions):
    """A copy of the tables in another schema (as a reporting rebuild writes one): the inbox claim and the rows
    kept go to the copy, as SQLAlchemy's own statements do, and the live tables are left alone."""
    engine = pg_sessions.kw["bind"]
    with engine.begin() as connection:
        connection.execute(text("CREATE SCHEMA copy"))
    translated = engine.execution_options(schema_translate_map={None: "copy"})
    with translated.begin() as connection:
        for table in (inbox, applied):
            table.create(connection)
    copy = make_session_factory(translated)
    events = _events(3)
    assert apply_batch(copy, [("q", event, record_applied) for event in events]) == ["applied"] * 3
    assert [row.event_id for row in applied_rows(copy)] == [event.id for event in events]
    assert applied_rows(pg_sessions) == []
    with unit_of_work(pg_sessions) as session:
        assert session.execute(select(func.count()).select_from(inbox)).scalar() == 0
    assert apply_batch(pg_sessions, [("q", event, record_applied) for event in events]) == ["applied"] * 3
    assert apply_batch(copy, [("q", event, record_applied) for event in events]) == ["duplicate"] * 3


def _loading_first(seen_pipelined: list[bool] | None = None):
    """A handler that loads the batch's rows up front, as a read model does (`prepare`): the batch is then
    claimed while it runs. It notes whether the claim was still on its way when it ran (`seen_pipelined`)."""
    def handler(session, event):
        if seen_pipelined is not None:
            seen_pipelined.append(session.connection().connection.driver_connection.pgconn.pipeline_status != 0)
        record_applied(session, event)

    handler.prepare = lambda session, events: None
    return handler


def test_a_batch_loading_its_rows_first_is_claimed_while_its_handlers_run(pg_sessions):
    pipelined: list[bool] = []
    handler = _loading_first(pipelined)
    events = _events(20)
    assert apply_batch(pg_sessions, [("q", event, handler) for event in events]) == ["applied"] * 20
    assert pipelined[0] is True  # the claim sent, its answer not awaited
    assert [row.event_id for row in applied_rows(pg_sessions)] == [event.id for event in events]
    with unit_of_work(pg_sessions) as session:
        assert session.execute(select(func.count()).select_from(inbox)).scalar() == 20


def test_a_batch_claimed_beside_its_handlers_applies_only_what_was_not_applied_before(pg_sessions):
    """A redelivery: half of the batch was applied before. Those count as duplicates and change nothing twice;
    the other half, and an event twice in the batch, are applied once."""
    handler = _loading_first()
    events = _events(10)
    assert apply_batch(pg_sessions, [("q", event, handler) for event in events[::2]]) == ["applied"] * 5
    batch = [("q", event, handler) for event in events] + [("q", events[1], handler)]
    assert apply_batch(pg_sessions, batch) == ["duplicate", "applied"] * 5 + ["duplicate"]
    assert sorted(row.event_id for row in applied_rows(pg_sessions)) == sorted(event.id for event in events)
    assert apply_batch(pg_sessions, batch) == ["duplicate"] * 11
    assert len(applied_rows(pg_sessions)) == 10


def test_a_failing_handler_beside_the_claim_leaves_nothing_of_the_batch(pg_sessions):
    def failing(session, event):
        record_applied(session, event)
        if event.data["seq"] == 3:
            raise ValueError("bad event")

    failing.prepare = lambda session, events: None
    events = _events(5)
    with pytest.raises(ValueError):
        apply_batch(pg_sessions, [("q", event, failing) for event in events])
    assert applied_rows(pg_sessions) == []
    with unit_of_work(pg_sessions) as session:
        assert session.execute(select(func.count()).select_from(inbox)).scalar() == 0


def test_a_handler_copying_rows_while_the_claim_is_on_its_way_waits_for_it_first(pg_sessions):
    """COPY cannot run in a pipeline: a handler's bulk insert (a read model writing its records to read them
    back) first waits for the claim and the rows kept, then copies; all of it in the batch's transaction."""
    def copying(session, event):
        session.execute(applied.insert().values(event_id=event.id, subject="kept", seq=0))
        bulk_insert(session, applied, [{"event_id": event.id, "subject": "s", "seq": event.data["seq"]}])

    copying.prepare = lambda session, events: None
    events = _events(3)
    assert apply_batch(pg_sessions, [("q", event, copying) for event in events]) == ["applied"] * 3
    assert [(row.event_id, row.seq) for row in applied_rows(pg_sessions)] == \
        [pair for event in events for pair in ((event.id, 0), (event.id, event.data["seq"]))]
