"""The kit's schema changes reach databases made before them, and leave newer ones as they are."""
from alembic.migration import MigrationContext
from alembic.operations import Operations
from servicekit.db import kit_metadata, make_engine
from servicekit.migrations import index_outbox_subject, unindex_outbox_subject
from sqlalchemy import inspect, text


def _outbox_indexes(connection) -> set[str]:
    return {index["name"] for index in inspect(connection).get_indexes("outbox")}


def _erasure_plan(connection) -> str:
    rows = connection.execute(text("EXPLAIN QUERY PLAN SELECT body FROM outbox WHERE subject = 'c-1'")).all()
    return " ".join(row[-1] for row in rows)


def test_the_subject_index_reaches_an_outbox_made_without_it_and_is_made_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kit.db'}")
    with engine.begin() as connection:
        kit_metadata.create_all(connection)  # kit tables as a first migration makes them now (with the index)
        connection.execute(text("DROP INDEX ix_outbox_subject"))  # ... and as one made them before
        assert "SCAN" in _erasure_plan(connection)
        with Operations.context(MigrationContext.configure(connection)):
            index_outbox_subject()
            assert "ix_outbox_subject" in _outbox_indexes(connection)
            assert "ix_outbox_subject" in _erasure_plan(connection)
            index_outbox_subject()  # a database made with it already: nothing to do
            unindex_outbox_subject()
            assert "ix_outbox_subject" not in _outbox_indexes(connection)
    engine.dispose()
