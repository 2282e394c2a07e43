"""bulk_insert on PostgreSQL (COPY): every row, JSON and NULLs as an INSERT would write them, in the transaction."""
import pytest
from servicekit.db import bulk_insert, make_engine, make_session_factory
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, select

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)),
               Column("details", JSON), Column("key", String(10)))


def test_bulk_insert_copies_rows_and_rolls_back_with_the_transaction(postgres_database):
    engine = make_engine(postgres_database("bulk"))
    metadata.create_all(engine)
    sessions = make_session_factory(engine)
    rows = [{"id": n, "name": f"张{n}", "details": {"n": n, "城市": "深圳"} if n % 2 else None, "key": "a\tb\n"}
            for n in range(2000)]
    with sessions() as session:
        bulk_insert(session, things, rows)
        session.rollback()
    with sessions() as session:
        assert session.execute(select(things)).all() == []
        bulk_insert(session, things, rows)
        session.commit()
    with sessions() as session:
        stored = [dict(row) for row in session.execute(select(things).order_by(things.c.id)).mappings()]
    assert stored == rows
    engine.dispose()
