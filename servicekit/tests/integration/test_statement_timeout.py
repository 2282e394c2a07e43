"""On PostgreSQL a web request's statement is cut at CRM_STATEMENT_TIMEOUT and answered 503, while the
service goes on serving other requests."""
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from flask import current_app, jsonify
from flask_smorest import Blueprint
from servicekit.db import make_engine, unit_of_work
from servicekit.testing import auth_headers
from servicekit.webapp import create_service_app, service_context
from sqlalchemy import text
from werkzeug.serving import make_server

pytestmark = pytest.mark.integration
blueprint = Blueprint("waits", __name__, url_prefix="/api/v1/waits")


@blueprint.route("/<float:seconds>")
def wait(seconds: float):
    with unit_of_work(service_context(current_app).sessions) as session:
        session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    return jsonify(waited=seconds)


@pytest.fixture
def serve(make_settings, postgres_database) -> Iterator[str]:
    """A service on a fresh PostgreSQL database with a 1 s statement timeout, served by threads."""
    settings = make_settings("customer", database_url=postgres_database("timeouts"), statement_timeout=1.0)
    app = create_service_app(settings, "Waits", [blueprint], check_broker=False, idempotency=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    service_context(app).engine.dispose()


def test_a_slow_statement_is_cut_and_answered_503_while_another_request_is_served(serve):
    headers = auth_headers("viewer")
    slow: dict = {}

    def ask_too_much() -> None:
        started = time.monotonic()
        slow["response"] = httpx.get(f"{serve}/api/v1/waits/30.0", headers=headers, timeout=60)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=ask_too_much)
    thread.start()
    time.sleep(0.1)
    quick = httpx.get(f"{serve}/api/v1/waits/0.0", headers=headers, timeout=10)
    assert quick.status_code == 200
    assert "response" not in slow  # served while the slow statement still ran
    thread.join(60)
    response = slow["response"]
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "CRM_STATEMENT_TIMEOUT" in response.json()["detail"]
    assert slow["seconds"] < 5  # not the 30 s the statement asked for
    assert httpx.get(f"{serve}/api/v1/waits/0.1", headers=headers, timeout=10).status_code == 200


def test_processes_other_than_web_have_no_statement_timeout(postgres_database):
    engine = make_engine(postgres_database("no_timeout"))
    with engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
    engine.dispose()
