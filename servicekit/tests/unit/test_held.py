"""servicekit.held: a table's rows shown column by column, every moment with its UTC offset."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from servicekit.held import held_rows, row_schema
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.orm import Session

metadata = MetaData()
things = Table("things", metadata, Column("id", String(10), primary_key=True), Column("n", Integer, nullable=False),
               Column("flag", Boolean), Column("day", Date), Column("at", DateTime(timezone=True)),
               Column("cost", Numeric(12, 2)), Column("share", Float), Column("details", JSON),
               Column("internal", String(10)))


def test_every_column_becomes_a_field_of_its_kind_and_nullable_columns_admit_null():
    schema = row_schema(things, "HeldThing", "A thing.", exclude=("internal",))()
    row = {"id": "a", "n": 3, "flag": None, "day": date(2026, 3, 1), "at": datetime(2026, 3, 1, 8, 0),
           "cost": Decimal("12.50"), "share": 0.5, "details": {"k": [1]}}
    assert schema.dump(row) == {"id": "a", "n": 3, "flag": None, "day": "2026-03-01", "at": "2026-03-01T08:00:00+00:00",
                                "cost": "12.50", "share": 0.5, "details": {"k": [1]}}
    assert schema.fields["flag"].allow_none and not schema.fields["n"].allow_none
    assert type(schema).__name__ == "HeldThing" and type(schema).__doc__ == "A thing."


def test_rows_are_read_as_dicts_with_their_moments_in_utc():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(things).values(id="a", n=1, at=datetime(2026, 3, 1, 8, 0)))
        [row] = held_rows(session, select(things))
    assert row["id"] == "a" and row["at"].utcoffset().total_seconds() == 0
