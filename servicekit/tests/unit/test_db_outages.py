"""A request under which the database fails (a restart, a fail-over, a serialization failure) is run again while
it has committed nothing, and otherwise answered 503 with Retry-After, never 500; with an Idempotency-Key, a
change whose answer was lost is never made twice."""
import sqlite3
import threading

import pytest
from flask import current_app, jsonify
from flask_smorest import Blueprint
from servicekit.db import kit_metadata, unit_of_work
from servicekit.db_outages import transient
from servicekit.testing import auth_headers
from servicekit.webapp import create_service_app, service_context
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from servicekit import idempotency

blueprint = Blueprint("flaky", __name__, url_prefix="/api/v1/flaky")
#: How many of the next runs of a view fail, and how, before (or after) it commits.
plan: dict = {}
runs: list[str] = []


class PgError(Exception):
    """What psycopg raises, as far as the classification reads it: a SQLSTATE."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


class OperationalErrorWithoutState(PgError):
    pass


OperationalErrorWithoutState.__name__ = "OperationalError"


def lost_connection() -> OperationalError:
    return OperationalError("INSERT ...", {}, PgError("57P01"), connection_invalidated=True)


@blueprint.route("/<name>", methods=["POST"])
def write(name: str):
    runs.append(name)
    if "meanwhile" in plan:  # something that happens while this request is under way
        plan.pop("meanwhile")()
    with unit_of_work(service_context(current_app).sessions) as session:
        if plan.get("fail_before_commit", 0) > 0:
            plan["fail_before_commit"] -= 1
            raise plan.get("error") or lost_connection()
        session.execute(text("INSERT INTO things (name) VALUES (:name)"), {"name": name})
    if plan.pop("fail_after_commit", False):
        raise lost_connection()  # e.g. the COMMIT went through but its answer was lost
    return jsonify(name=name), 201


@pytest.fixture
def client(make_settings):
    plan.clear()
    runs.clear()
    app = create_service_app(make_settings("customer", db_retries=3), "Flaky", [blueprint], check_broker=False)
    engine = service_context(app).engine
    kit_metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE things (name TEXT)"))
    client = app.test_client()
    client.things = lambda: [row[0] for row in engine.connect().execute(text("SELECT name FROM things"))]
    return client


@pytest.mark.parametrize("error, expected", [
    (lost_connection(), True),
    (OperationalError("SELECT", {}, PgError("40001")), True),  # serialization failure
    (OperationalError("SELECT", {}, PgError("40P01")), True),  # deadlock
    (OperationalError("SELECT", {}, PgError("08006")), True),  # connection failure
    (OperationalError("connect", {}, OperationalErrorWithoutState(None)), True),  # server unreachable
    (IntegrityError("INSERT", {}, PgError("23505")), False),  # a duplicate: the request's own fault
    (OperationalError("SELECT", {}, PgError("57014")), False),  # statement timeout: answered on its own
    (OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked")), False),
    (ValueError("not a database error"), False),
])
def test_what_counts_as_the_database_going_away(error, expected):
    assert transient(error) is expected


def test_a_request_failing_before_it_committed_is_run_again_and_succeeds(client):
    plan["fail_before_commit"] = 2
    response = client.post("/api/v1/flaky/a", headers=auth_headers("agent"))
    assert response.status_code == 201
    assert runs == ["a", "a", "a"]
    assert client.things() == ["a"]


def test_a_database_that_stays_away_is_answered_503_with_retry_after_and_nothing_changes(client):
    plan["fail_before_commit"] = 10
    response = client.post("/api/v1/flaky/b", headers=auth_headers("agent"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.content_type == "application/problem+json"
    assert "nothing was changed" in response.json["detail"]
    assert len(runs) == 4  # the first run and three more (CRM_DB_RETRIES)
    assert client.things() == []


def test_a_conflict_the_database_rolled_back_is_run_again(client):
    plan["fail_before_commit"] = 1
    plan["error"] = OperationalError("UPDATE", {}, PgError("40001"))
    assert client.post("/api/v1/flaky/c", headers=auth_headers("agent")).status_code == 201
    assert client.things() == ["c"]


def test_after_a_commit_the_request_is_not_run_again_and_says_the_outcome_is_unknown(client):
    plan["fail_after_commit"] = True
    response = client.post("/api/v1/flaky/d", headers=auth_headers("agent"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "not known" in response.json["detail"]
    assert runs == ["d"]
    assert client.things() == ["d"]


def test_with_an_idempotency_key_a_change_whose_answer_was_lost_is_not_made_twice(client):
    headers = {**auth_headers("agent"), "Idempotency-Key": "k-lost-answer"}
    plan["fail_after_commit"] = True
    assert client.post("/api/v1/flaky/e", headers=headers).status_code == 503
    again = client.post("/api/v1/flaky/e", headers=headers)
    assert again.status_code == 409
    assert "was done" in again.json["detail"]
    assert client.things() == ["e"]


def test_with_an_idempotency_key_a_change_that_was_not_made_may_be_sent_again(client):
    headers = {**auth_headers("agent"), "Idempotency-Key": "k-not-made"}
    plan["fail_before_commit"] = 10
    assert client.post("/api/v1/flaky/f", headers=headers).status_code == 503
    plan.clear()
    again = client.post("/api/v1/flaky/f", headers=headers)
    assert again.status_code == 201
    assert client.things() == ["f"]


def test_a_request_overtaken_by_a_retry_keeps_nothing_and_the_retry_is_done_once(client, monkeypatch):
    """A first request still working when its client's retry takes its claim over (ABANDONED_AFTER, here at once)
    is fenced off: its work is rolled back, the retry's is kept, and the key answers as the retry did."""
    monkeypatch.setattr(idempotency, "ABANDONED_AFTER", 0)
    headers = {**auth_headers("agent"), "Idempotency-Key": "k-overtaken"}
    retried = {}

    def retry_meanwhile() -> None:
        thread = threading.Thread(target=lambda: retried.update(response=client.post("/api/v1/flaky/g",
                                                                                        headers=headers)))
        thread.start()
        thread.join()

    plan["meanwhile"] = retry_meanwhile
    first = client.post("/api/v1/flaky/g", headers=headers)
    assert retried["response"].status_code == 201
    assert first.status_code == 409
    assert "took it over" in first.json["detail"]
    assert runs == ["g", "g"]
    assert client.things() == ["g"], "the overtaken request's work was kept too"
    replay = client.post("/api/v1/flaky/g", headers=headers)
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
