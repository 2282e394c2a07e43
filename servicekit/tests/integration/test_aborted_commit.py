"""A commit of a transaction that PostgreSQL has already aborted fails: it never passes for a kept change.

PostgreSQL answers COMMIT in a failed transaction with ROLLBACK and no error, and psycopg returns from
commit() as if all were well; a caught statement error followed by a commit would otherwise answer a client
for a change that is not there."""
import pytest
from servicekit.db import AbortedTransaction, make_engine, make_session_factory, unit_of_work
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(postgres_database):
    engine = make_engine(postgres_database("aborted"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body text)"))
    yield make_session_factory(engine)
    engine.dispose()


def test_a_commit_after_a_swallowed_error_raises_and_keeps_nothing(sessions):
    with pytest.raises(AbortedTransaction), unit_of_work(sessions) as session:
        session.execute(text("INSERT INTO notes VALUES ('kept?')"))
        try:
            session.execute(text("SELECT 1 / 0"))
        except DBAPIError:
            pass  # the mistake this guards against: the error caught, the transaction carried on
    with unit_of_work(sessions) as session:
        assert session.execute(text("SELECT count(*) FROM notes")).scalar() == 0


def test_a_healthy_transaction_commits(sessions):
    with unit_of_work(sessions) as session:
        session.execute(text("INSERT INTO notes VALUES ('kept')"))
    with unit_of_work(sessions) as session:
        assert session.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
