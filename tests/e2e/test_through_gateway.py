"""End to end on RabbitMQ and PostgreSQL: gateway, customer web and relay as separate processes, and an
independent subscriber (plain pika, its own queue bound to crm.events with '#') that reads the events."""
from __future__ import annotations

import uuid

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import Integrator, login, running_system

pytestmark = pytest.mark.e2e
CLOUDEVENT_ATTRIBUTES = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype",
                         "correlationid", "data"}


@pytest.fixture(scope="module")
def running(tmp_path_factory, postgres_database, amqp_url):
    """The running system (two web workers each, metrics shared as under `make run`)."""
    with running_system(tmp_path_factory.mktemp("e2e"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay")], DEFAULT_UPSTREAMS, env={"CRM_WEB_WORKERS": "2"},
                        metrics=True) as running:
        yield running


@pytest.fixture(scope="module")
def system(running):
    """(gateway URL, customer URL) of the running system."""
    return running.gateway, running.services["customer"]


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue, bound to every event."""
    integrator = Integrator(amqp_url, "integrator.everything", ("#",))
    yield integrator
    integrator.close()


def test_a_customer_and_a_visit_through_the_gateway_reach_an_independent_subscriber(system, subscriber):
    gateway, _ = system
    headers = login(gateway)
    request_id = f"e2e-{uuid.uuid4().hex[:12]}"
    created = httpx.post(f"{gateway}/api/v1/customers", headers={**headers, "X-Request-ID": request_id},
                         json={"name": "王小明", "phone": "138 0013 8000", "kind": "prospect"})
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-ID"] == request_id
    customer = created.json()
    assert customer["name"] == "王小明"
    visit = httpx.post(f"{gateway}/api/v1/customers/{customer['id']}/visits",
                       headers={**headers, "X-Request-ID": request_id},
                       json={"kind": "store", "purpose": "看车"})
    assert visit.status_code == 201, visit.text

    messages = subscriber.received(2, timeout=20)
    by_type = {key: (properties, body) for key, properties, body in messages}
    assert {"customer.created.v1", "visit.done.v1"} <= set(by_type)
    for routing_key, (properties, body) in by_type.items():
        assert CLOUDEVENT_ATTRIBUTES <= set(body)
        assert body["specversion"] == "1.0"
        assert body["type"] == routing_key
        assert body["source"] == "/guanxi/customer"
        assert body["subject"] == customer["id"]
        assert body["correlationid"] == request_id
        assert properties.message_id == body["id"]
        assert properties.content_type == "application/cloudevents+json"
        assert properties.delivery_mode == 2
    assert by_type["customer.created.v1"][1]["data"]["name"] == "王小明"
    assert by_type["visit.done.v1"][1]["data"]["customer_id"] == customer["id"]


def test_the_door_is_shut_without_credentials_and_roles_hold_through_it(system):
    gateway, customer = system
    assert httpx.get(f"{gateway}/api/v1/customers").status_code == 401
    assert httpx.get(f"{customer}/api/v1/customers").status_code == 401, "the service itself is not an open door"
    admin = login(gateway)
    made = httpx.post(f"{gateway}/api/v1/users", headers=admin,
                      json={"username": "zhao.viewer", "password": "viewer-password", "role": "viewer"})
    assert made.status_code == 201, made.text
    viewer = login(gateway, "zhao.viewer", "viewer-password")
    assert httpx.get(f"{gateway}/api/v1/customers", headers=viewer).status_code == 200
    refused = httpx.post(f"{gateway}/api/v1/customers", headers=viewer,
                         json={"name": "李四", "phone": "13900139000", "kind": "prospect"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_one_openapi_document_and_readiness_for_the_whole_api(system):
    gateway, _ = system
    document = httpx.get(f"{gateway}/api/v1/openapi.json").json()
    assert "/api/v1/customers" in document["paths"]
    assert "/api/v1/auth/token" in document["paths"]
    ready = httpx.get(f"{gateway}/readyz")
    assert ready.status_code == 200
    assert ready.json()["services"]["customer"] == "ready"


def test_metrics_add_up_every_worker_and_the_relay(system, running):
    gateway, customer = system
    headers = login(gateway)
    created = httpx.post(f"{gateway}/api/v1/customers", headers=headers,
                         json={"name": "周杰", "phone": "13600136000", "kind": "owner"})
    assert created.status_code == 201, created.text
    url = f"{customer}/api/v1/customers/{created.json()['id']}"
    direct = running.service_headers("viewer")  # straight at the service, which takes only service tokens
    for _ in range(30):  # a new connection each time: both gunicorn workers answer some of them
        assert httpx.get(url, headers=direct).status_code == 200
    text = httpx.get(f"{customer}/metrics").text
    line = ('http_requests_total{method="GET",route="/api/v1/customers/<uuid:customer_id>",'
            'service="customer",status="200"}')
    counted = [float(row.rsplit(" ", 1)[1]) for row in text.splitlines() if row.startswith(line)]
    assert counted == [30.0]
    published = [row for row in text.splitlines() if row.startswith("events_published_total")]
    assert published, "the relay's counters show on the web process's /metrics"


def test_a_create_retried_with_its_idempotency_key_through_the_gateway_is_done_once(system):
    gateway, _ = system
    headers = {**login(gateway), "Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    body = {"name": "吴芳", "phone": "13500135000", "kind": "prospect"}
    first = httpx.post(f"{gateway}/api/v1/customers", headers=headers, json=body)
    again = httpx.post(f"{gateway}/api/v1/customers", headers=headers, json=body)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    without_key = httpx.post(f"{gateway}/api/v1/customers", headers=login(gateway), json=body)
    assert without_key.status_code == 409, "a plain retry is a duplicate phone"


def test_a_page_number_beyond_any_listing_is_a_422_everywhere(system):
    gateway, _ = system
    headers = login(gateway)
    for listing in ("customers", "users", "api-keys"):
        response = httpx.get(f"{gateway}/api/v1/{listing}", headers=headers, params={"page": 10**20})
        assert response.status_code == 422, (listing, response.text)
        assert "page" in response.json()["errors"]
