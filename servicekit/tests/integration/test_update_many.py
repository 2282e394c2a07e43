"""update_many: each row its own values, only where every key matches; the same on PostgreSQL (one UPDATE …
FROM json_to_recordset) as on SQLite (executemany)."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from servicekit.db import make_engine, make_session_factory, update_many
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Numeric, String, Table, select

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table("things", metadata, Column("id", String(36), primary_key=True), Column("version", Integer),
               Column("name", String(20)), Column("details", JSON), Column("amount", Numeric(12, 2)),
               Column("at", DateTime(timezone=True)))
AT = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def sessions(request, postgres_database, tmp_path):
    url = postgres_database("update_many") if request.param == "postgresql" else f"sqlite:///{tmp_path}/t.db"
    engine = make_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(things.insert(), [
            {"id": f"t{n}", "version": 1, "name": "旧", "details": {"n": n}, "amount": Decimal("1.00"), "at": AT}
            for n in range(300)])
    yield make_session_factory(engine)
    engine.dispose()


def test_each_row_gets_its_own_values_where_its_keys_match(sessions):
    rows = [{"key_id": f"t{n}", "key_version": 2 if n == 8 else 1, "new_version": 2, "new_name": f"张\t{n}\n",
             "new_details": {"n": n, "城市": ["深圳", None]}, "new_amount": Decimal(n) / 4,
             "new_at": AT + timedelta(minutes=n)} for n in range(0, 300, 2) if n != 4]
    rows.append({"key_id": "missing", "key_version": 1, "new_version": 2, "new_name": "x", "new_details": {},
                 "new_amount": None, "new_at": None})
    with sessions() as session:
        updated = update_many(session, things, ("id", "version"), ("version", "name", "details", "amount", "at"), rows)
        session.commit()
    assert updated == len(rows) - 2  # t8 (read at another version) and "missing" are left out
    with sessions() as session:
        stored = {row.id: row for row in session.execute(select(things))}
    for n in range(300):
        row = stored[f"t{n}"]
        if n % 2 or n in (4, 8):
            assert (row.version, row.name, row.details, row.amount) == (1, "旧", {"n": n}, Decimal("1.00"))
        else:
            assert (row.version, row.name, row.amount) == (2, f"张\t{n}\n", Decimal(n) / 4)
            assert row.details == {"n": n, "城市": ["深圳", None]}
            assert row.at.replace(tzinfo=UTC) == AT + timedelta(minutes=n)


def test_a_stale_key_updates_nothing_and_nothing_is_left_after_a_rollback(sessions):
    with sessions() as session:
        assert update_many(session, things, ("id", "version"), ("name",),
                           [{"key_id": "t1", "key_version": 5, "new_name": "新"}]) == 0
        assert update_many(session, things, ("id",), ("name",), [{"key_id": "t1", "new_name": "新"}]) == 1
        session.rollback()
    with sessions() as session:
        assert session.execute(select(things.c.name).where(things.c.id == "t1")).scalar_one() == "旧"
        assert update_many(session, things, ("id",), ("name",), []) == 0
