"""On SQLite (the embedded default) a web request's statement is interrupted at CRM_STATEMENT_TIMEOUT and
answered 503; a transaction that merely lasts longer, statement by statement, is not."""
import time

import pytest
from flask import current_app, jsonify
from flask_smorest import Blueprint
from servicekit.db import kit_metadata, unit_of_work
from servicekit.testing import auth_headers
from servicekit.webapp import create_service_app, service_context
from sqlalchemy import text

blueprint = Blueprint("counts", __name__, url_prefix="/api/v1/counts")
#: Counting to `:up_to` one row at a time: seconds of work for SQLite's virtual machine when large.
COUNT = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :up_to) SELECT count(*) FROM n"


@blueprint.route("/<int:up_to>")
def count(up_to: int):
    with unit_of_work(service_context(current_app).sessions) as session:
        return jsonify(count=session.execute(text(COUNT), {"up_to": up_to}).scalar())


@blueprint.route("/slow-transaction", methods=["POST"])
def slow_transaction():
    with unit_of_work(service_context(current_app).sessions) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS marks (n INTEGER)"))
        session.execute(text("INSERT INTO marks VALUES (1)"))
        time.sleep(0.6)  # longer than the timeout, between statements
        session.execute(text("INSERT INTO marks VALUES (2)"))
    return jsonify(done=True), 201


@pytest.fixture
def client(make_settings):
    app = create_service_app(make_settings("customer", statement_timeout=0.3), "Counts", [blueprint],
                             check_broker=False, idempotency=False)
    kit_metadata.create_all(service_context(app).engine)
    return app.test_client()


def test_a_statement_past_the_timeout_is_interrupted_and_answered_503(client):
    started = time.monotonic()
    response = client.get("/api/v1/counts/2000000000", headers=auth_headers("viewer"))
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert "CRM_STATEMENT_TIMEOUT" in response.json["detail"]
    assert time.monotonic() - started < 5
    quick = client.get("/api/v1/counts/1000", headers=auth_headers("viewer"))
    assert quick.status_code == 200
    assert quick.json == {"count": 1000}


def test_a_long_transaction_of_quick_statements_commits(client):
    response = client.post("/api/v1/counts/slow-transaction", headers=auth_headers("agent"))
    assert response.status_code == 201
