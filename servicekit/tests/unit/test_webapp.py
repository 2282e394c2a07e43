"""What every service's HTTP surface does, whatever its domain."""
import marshmallow as ma
import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.auth import requires
from servicekit.db import kit_metadata, unit_of_work
from servicekit.outbox import record_event
from servicekit.testing import auth_headers
from servicekit.webapp import create_service_app, service_context

blueprint = Blueprint("things", __name__, url_prefix="/api/v1/things")


class ThingSchema(ma.Schema):
    name = ma.fields.String(required=True)
    size = ma.fields.Integer()


@blueprint.route("")
class Things(MethodView):
    @requires("write")
    @blueprint.arguments(ThingSchema)
    @blueprint.response(201, ThingSchema)
    def post(self, data):
        return data


@blueprint.route("/boom")
class Boom(MethodView):
    @requires("read")
    def get(self):
        raise RuntimeError("a bug")


@pytest.fixture
def app(make_settings):
    app = create_service_app(make_settings("customer"), "Things", [blueprint], check_broker=False)
    kit_metadata.create_all(service_context(app).engine)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_no_credentials_is_401_problem(client):
    response = client.post("/api/v1/things", json={"name": "x"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_401(client):
    response = client.get("/api/v1/things/boom", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


def test_wrong_role_is_403_naming_the_roles_that_may(client):
    response = client.post("/api/v1/things", json={"name": "x"}, headers=auth_headers("viewer"))
    assert response.status_code == 403
    assert "agent" in response.json["detail"]


def test_the_role_is_checked_before_the_body(client):
    response = client.post("/api/v1/things", json={"size": "big"}, headers=auth_headers("viewer"))
    assert response.status_code == 403, "a forbidden caller learns nothing about what the body should be"


def test_the_document_names_each_operations_permission_and_roles(make_settings):
    undeclared = Blueprint("undeclared", __name__, url_prefix="/api/v1/undeclared")

    @undeclared.route("")
    @undeclared.response(200)
    def forgot():
        """A view that forgot to say who may call it."""

    app = create_service_app(make_settings("customer"), "Things", [blueprint, undeclared], check_broker=False)
    paths = app.test_client().get("/openapi.json").json["paths"]
    post, get = paths["/api/v1/things"]["post"], paths["/api/v1/things/boom"]["get"]
    assert (post["x-permission"], post["x-roles"]) == ("write", ["admin", "manager", "agent", "integration"])
    assert (get["x-permission"], get["x-roles"]) == ("read", ["admin", "manager", "agent", "viewer", "integration"])
    assert post["description"] == "Roles: admin, manager, agent, integration (permission `write`)."
    forgotten = paths["/api/v1/undeclared"]["get"]
    assert "x-permission" not in forgotten and "Roles:" not in forgotten.get("description", "")


def test_invalid_fields_are_422_field_by_field(client):
    response = client.post("/api/v1/things", json={"size": "big", "colour": 1}, headers=auth_headers("agent"))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert set(response.json["errors"]) == {"name", "size", "colour"}


def test_malformed_json_is_a_400_problem(client):
    response = client.post("/api/v1/things", data="{oops", content_type="application/json",
                           headers=auth_headers("agent"))
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert "JSON" in response.json["detail"]


def test_a_body_over_the_size_limit_is_a_413_problem_naming_the_limit(make_settings):
    app = create_service_app(make_settings("customer", max_request_bytes=100), "Things", [blueprint],
                             check_broker=False)
    client = app.test_client()
    headers = {**auth_headers("agent"), "Content-Type": "application/json"}
    response = client.post("/api/v1/things", data='{"name": "%s"}' % ("x" * 100), headers=headers)
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert "100 bytes" in response.get_json()["detail"]
    assert client.post("/api/v1/things", json={"name": "x"}, headers=headers).status_code == 201


def test_chinese_text_round_trips_unescaped(client):
    response = client.post("/api/v1/things", json={"name": "张三"}, headers=auth_headers("agent"))
    assert response.status_code == 201
    assert "张三" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_problem_not_an_html_page(client):
    response = client.get("/api/v1/things/boom", headers=auth_headers("viewer"))
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert "a bug" not in response.get_data(as_text=True)


def test_request_id_is_kept_or_minted(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    minted = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert minted.headers["X-Request-ID"] not in ("", "bad id with spaces")


def test_events_recorded_during_a_request_carry_its_request_id(app, client):
    @app.get("/record")
    def record():
        with unit_of_work(service_context(app).sessions) as session:
            return {"correlationid": record_event(session, "customer", "thing.made.v1", "t1", {}).correlationid}

    response = client.get("/record", headers={**auth_headers("agent"), "X-Request-ID": "req-77"})
    assert response.json["correlationid"] == "req-77"


def test_health_and_readiness_are_public(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == "ok"


def test_metrics_count_requests_by_route_template_and_show_the_outbox_backlog(app, client):
    with unit_of_work(service_context(app).sessions) as session:
        record_event(session, "customer", "thing.made.v1", "t1", {})
    client.post("/api/v1/things", json={"name": "x"}, headers=auth_headers("agent"))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{method="POST",route="/api/v1/things",service="customer",status="201"}' in text
    assert 'outbox_backlog{service="customer"} 1.0' in text


def test_a_write_retried_with_the_same_idempotency_key_is_done_once_and_answered_alike(app, client):
    made = []

    @app.post("/api/v1/orders")
    def make_order():
        made.append(1)
        return {"order": len(made)}, 201, {"Location": f"/api/v1/orders/{len(made)}"}

    headers = {**auth_headers("agent"), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/orders", json={"n": 1}, headers=headers)
    again = client.post("/api/v1/orders", json={"n": 1}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json == {"order": 1}
    assert again.headers["Location"] == "/api/v1/orders/1"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(made) == 1
    other_caller = client.post("/api/v1/orders", json={"n": 1},
                               headers={**auth_headers("agent", "someone.else"), "Idempotency-Key": "k-1"})
    assert other_caller.json == {"order": 2}, "keys belong to their caller"


def test_an_idempotency_key_reused_for_another_request_is_refused(app, client):
    @app.post("/api/v1/orders")
    def make_order():
        return {"ok": True}, 201

    headers = {**auth_headers("agent"), "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/orders", json={"n": 1}, headers=headers).status_code == 201
    reused = client.post("/api/v1/orders", json={"n": 2}, headers=headers)
    assert reused.status_code == 422
    assert "Idempotency-Key" in reused.json["errors"]


def test_a_failed_write_releases_its_idempotency_key(app, client):
    attempts = []

    @app.post("/api/v1/flaky")
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return {"ok": True}, 201

    headers = {**auth_headers("agent"), "Idempotency-Key": "k-3"}
    assert client.post("/api/v1/flaky", json={}, headers=headers).status_code == 500
    assert client.post("/api/v1/flaky", json={}, headers=headers).status_code == 201
    assert len(attempts) == 2


def test_extension_members_never_replace_the_standard_ones():
    from servicekit.problems import problem_response

    response = problem_response(409, "Conflict", "Closed already", status="closed", title="x", allowed_next=[])
    body = response.get_json()
    assert response.status_code == 409
    assert body["status"] == 409 and body["title"] == "Conflict" and body["detail"] == "Closed already"
    assert body["allowed_next"] == []
