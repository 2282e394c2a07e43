"""End to end on RabbitMQ and PostgreSQL through the gateway: users tied to stores, membership points
from a visit, and a customer's personal data exported and erased — with an independent subscriber
(plain pika, its own queue) seeing customer.tier_changed.v1 and customer.erased.v1."""
from __future__ import annotations

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import Integrator, login, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running gateway, customer web and customer relay; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-rights"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay")], DEFAULT_UPSTREAMS,
                        env={"CRM_MEMBERSHIP_TIERS": "silver=1000", "CRM_POINTS_PER_YUAN": "1"}) as system:
        yield system.gateway


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue for tier changes and erasures."""
    integrator = Integrator(amqp_url, "integrator.customer_rights", ("customer.tier_changed.v1", "customer.erased.v1"))
    yield integrator
    integrator.close()


def test_store_scope_points_tier_and_erasure_through_the_gateway(gateway, subscriber):
    admin = login(gateway)
    for store in ({"id": "sz01", "name": "深圳南山店"}, {"id": "gz01", "name": "广州天河店"}):
        assert httpx.post(f"{gateway}/api/v1/stores", headers=admin, json=store).status_code == 201
    for user in ({"username": "li.si", "role": "agent", "stores": ["sz01"]},
                 {"username": "wang.wu", "role": "agent", "stores": ["gz01"]},
                 {"username": "zhao.jl", "role": "manager"}):
        created = httpx.post(f"{gateway}/api/v1/users", headers=admin, json={**user, "password": "password-1"})
        assert created.status_code == 201, created.text
    unknown_store = httpx.post(f"{gateway}/api/v1/users", headers=admin, json={
        "username": "typo", "role": "agent", "stores": ["sz10"], "password": "password-1"})
    assert unknown_store.status_code == 422 and "sz10" in unknown_store.json()["detail"]
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

    visit = httpx.post(f"{path}/visits", headers=shenzhen, json={"kind": "service", "service_type": "maintenance",
                                                                   "amount": "1280.50"})
    assert visit.status_code == 201, visit.text
    points = httpx.get(f"{path}/points", headers=shenzhen).json()
    assert (points["balance"], points["tier"]) == (1280, "silver")

    document = httpx.get(f"{path}/personal-data", headers=manager)
    assert document.status_code == 200 and document.json()["customer"]["email"] == "nana@example.cn"
    assert httpx.post(f"{path}/erasure", headers=shenzhen).status_code == 403
    erased = httpx.post(f"{path}/erasure", headers=manager)
    assert erased.status_code == 200, erased.text
    assert erased.json()["name"] == "[erased]" and erased.json()["phone"] is None

    events = [message.event for message in subscriber.received(2)]
    assert [event["type"] for event in events] == ["customer.tier_changed.v1", "customer.erased.v1"]
    tier, gone = events[0]["data"], events[1]["data"]
    assert (tier["customer_id"], tier["from_tier"], tier["to_tier"], tier["points_balance"]) == (
        customer["id"], "regular", "silver", 1280)
    assert gone["customer_id"] == customer["id"] and events[1]["subject"] == customer["id"]
    assert "欧阳娜娜" not in httpx.get(f"{path}/personal-data", headers=manager).text
    reused = httpx.post(f"{gateway}/api/v1/customers", headers=shenzhen,
                        json={"name": "新客户", "phone": "13800138000", "kind": "prospect"})
    assert reused.status_code == 201  # the erased customer's phone is free again
