"""End to end on RabbitMQ and PostgreSQL through the gateway: users tied to stores, membership points
from a visit, and a customer's personal data exported and erased — with an independent subscriber
(plain pika, its own queue) seeing customer.tier_changed.v1 and customer.erased.v1."""
from __future__ import annotations

import json
import time
import uuid

import httpx
import pika
import pytest
from servicekit.processes import Processes, clean_env, free_port, wait_until_ready

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "e2e-admin-password"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running gateway, customer web and customer relay; yields the gateway's URL."""
    var_dir = tmp_path_factory.mktemp("e2e-rights")
    gateway_port, customer_port = free_port(), free_port()
    env = clean_env(var_dir)
    env.update({
        "CRM_BROKER_URL": amqp_url, "CRM_AUTH_SECRET": uuid.uuid4().hex * 2,
        "CRM_CUSTOMER_DATABASE_URL": postgres_database("e2e_rights_customer"),
        "CRM_GATEWAY_DATABASE_URL": postgres_database("e2e_rights_gateway"),
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_GATEWAY_PORT": str(gateway_port),
        "CRM_CUSTOMER_PORT": str(customer_port), "CRM_CUSTOMER_URL": f"http://127.0.0.1:{customer_port}",
        "CRM_COMPLAINT_URL": "", "CRM_REMINDER_URL": "", "CRM_REPORTING_URL": "", "CRM_WEB_WORKERS": "1",
        "CRM_MEMBERSHIP_TIERS": "silver=1000", "CRM_POINTS_PER_YUAN": "1",
    })
    processes = Processes(env, var_dir)
    processes.run("customer", "migrate")
    processes.run("gateway", "migrate")
    processes.start("customer-web", "customer", "web")
    processes.start("customer-relay", "customer", "relay")
    processes.start("gateway-web", "gateway", "web")
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        wait_until_ready(f"{url}/readyz")
        yield url
    except BaseException:
        print(processes.logs())
        raise
    finally:
        processes.stop()


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue for tier changes and erasures."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.exchange_declare("crm.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("integrator.customer_rights", durable=True).method.queue
    for key in ("customer.tier_changed.v1", "customer.erased.v1"):
        channel.queue_bind(queue, "crm.events", routing_key=key)
    yield channel, queue
    connection.close()


def received(channel, queue, wanted: int, timeout: float = 30.0) -> list[dict]:
    """The CloudEvents that arrive, until `wanted` or the timeout."""
    events, deadline = [], time.monotonic() + timeout
    while len(events) < wanted and time.monotonic() < deadline:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            time.sleep(0.1)
            continue
        events.append(json.loads(body))
    return events


def login(gateway: str, username: str, password: str) -> dict[str, str]:
    response = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_store_scope_points_tier_and_erasure_through_the_gateway(gateway, subscriber):
    channel, queue = subscriber
    admin = login(gateway, "admin", ADMIN_PASSWORD)
    for store in ({"id": "sz01", "name": "深圳南山店"}, {"id": "gz01", "name": "广州天河店"}):
        assert httpx.post(f"{gateway}/api/v1/stores", headers=admin, json=store).status_code == 201
    for user in ({"username": "li.si", "role": "agent", "stores": ["sz01"]},
                 {"username": "wang.wu", "role": "agent", "stores": ["gz01"]},
                 {"username": "zhao.jl", "role": "manager"}):
        created = httpx.post(f"{gateway}/api/v1/users", headers=admin, json={**user, "password": "password-1"})
        assert created.status_code == 201, created.text
    shenzhen = login(gateway, "li.si", "password-1")
    guangzhou = login(gateway, "wang.wu", "password-1")
    manager = login(gateway, "zhao.jl", "password-1")

    customer = httpx.post(f"{gateway}/api/v1/customers", headers=shenzhen, json={
        "name": "欧阳娜娜", "phone": "138 0013 8000", "kind": "owner", "email": "nana@example.cn"}).json()
    assert customer["store_id"] == "sz01" and customer["tier"] == "regular"
    path = f"{gateway}/api/v1/customers/{customer['id']}"
    assert httpx.get(path, headers=guangzhou).status_code == 404
    assert httpx.get(f"{gateway}/api/v1/customers?phone=8000", headers=guangzhou).json()["total"] == 0
    assert httpx.get(path, headers=manager).status_code == 200

    visit = httpx.post(f"{path}/visits", headers=shenzhen, json={"kind": "service", "amount": "1280.50"})
    assert visit.status_code == 201, visit.text
    points = httpx.get(f"{path}/points", headers=shenzhen).json()
    assert (points["balance"], points["tier"]) == (1280, "silver")

    document = httpx.get(f"{path}/personal-data", headers=manager)
    assert document.status_code == 200 and document.json()["customer"]["email"] == "nana@example.cn"
    assert httpx.post(f"{path}/erasure", headers=shenzhen).status_code == 403
    erased = httpx.post(f"{path}/erasure", headers=manager)
    assert erased.status_code == 200, erased.text
    assert erased.json()["name"] == "[erased]" and erased.json()["phone"] is None

    events = received(channel, queue, wanted=2)
    assert [event["type"] for event in events] == ["customer.tier_changed.v1", "customer.erased.v1"]
    tier, gone = events[0]["data"], events[1]["data"]
    assert (tier["customer_id"], tier["from_tier"], tier["to_tier"], tier["points_balance"]) == (
        customer["id"], "regular", "silver", 1280)
    assert gone["customer_id"] == customer["id"] and events[1]["subject"] == customer["id"]
    assert "欧阳娜娜" not in httpx.get(f"{path}/personal-data", headers=manager).text
    reused = httpx.post(f"{gateway}/api/v1/customers", headers=shenzhen,
                        json={"name": "新客户", "phone": "13800138000", "kind": "prospect"})
    assert reused.status_code == 201  # the erased customer's phone is free again
