"""End to end on RabbitMQ and PostgreSQL through the gateway: a bulk import refuses a row with a known
e-mail, a duplicate with a new number slips in through it anyway, is found with its score, previewed,
merged and the merge undone — with an independent subscriber (plain pika, its own queue) seeing
customer.merged.v1 and customer.unmerged.v1; and the archive exported."""
from __future__ import annotations

import csv
import io
import time

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import Integrator, login, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running gateway, customer web and customer relay; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-merge"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay")], DEFAULT_UPSTREAMS,
                        env={"CRM_CUSTOMER_MERGE_UNDO_HOURS": "24"}) as system:
        yield system.gateway


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue for merges and their undoing."""
    integrator = Integrator(amqp_url, "integrator.customer_merges", ("customer.merged.v1", "customer.unmerged.v1"))
    yield integrator
    integrator.close()


def test_import_find_merge_undo_and_export_through_the_gateway(gateway, subscriber):
    admin = login(gateway)
    customers = f"{gateway}/api/v1/customers"
    first = httpx.post(customers, headers=admin, json={
        "name": "张伟", "phone": "138 0013 8000", "kind": "owner", "email": "zhang.wei@example.cn",
        "region": {"city": "深圳市"}}).json()

    def imported(sheet: str) -> dict:
        started = httpx.post(f"{customers}/imports", headers=admin, data={"mode": "create"},
                             files={"file": ("客户.csv", sheet.encode("utf-8"), "text/csv")})
        assert started.status_code == 202, started.text
        deadline, location = time.monotonic() + 30, f"{gateway}{started.headers['Location']}"
        while (job := httpx.get(location, headers=admin).json())["status"] == "running":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        return job

    # the same man arrives in a dealer's spreadsheet with his e-mail: that line is refused, naming him
    job = imported("姓名,手机,类型,邮箱\n张伟,13900139000,意向客户,Zhang.Wei@example.cn\n王芳,13700137000,保有客户,\n")
    assert (job["status"], job["created"], job["failed"]) == ("done", 1, 1)
    errors = httpx.get(f"{customers}/imports/{job['id']}/errors", headers=admin).json()["items"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, "email")] and first["id"] in errors[0]["message"]
    # and again, with a new number and without it: a likely duplicate, found and merged
    job = imported("姓名,手机,类型,城市\n张伟,13900139000,意向客户,深圳市\n")
    assert (job["status"], job["created"], job["failed"]) == ("done", 1, 0)

    likely = httpx.get(f"{customers}/{first['id']}/duplicates", headers=admin).json()["items"]
    assert [item["reasons"] for item in likely] == [["same_name_same_region"]] and likely[0]["score"] >= 0.6
    duplicate = likely[0]["customer"]

    body = {"survivor_id": first["id"], "merged_id": duplicate["id"], "choices": {"email": "survivor"}}
    preview = httpx.post(f"{customers}/merges/preview", headers=admin, json=body).json()
    assert preview["merge_id"] is None and preview["survivor"]["phones"] == ["+8613900139000"]
    merged = httpx.post(f"{customers}/merges", headers=admin, json={
        **body, "survivor_version": preview["survivor"]["version"] - 1, "merged_version": duplicate["version"]})
    assert merged.status_code == 201, merged.text
    assert merged.json()["survivor"] == {**preview["survivor"], "updated_at": merged.json()["survivor"]["updated_at"]}
    resolved = httpx.get(f"{customers}/{duplicate['id']}", headers=admin)
    assert resolved.json()["id"] == first["id"] and f'{first["id"]}>; rel="canonical"' in resolved.headers["Link"]

    exported = httpx.get(f"{customers}/export", headers=admin, params={"q": "zhangwei"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [first["id"]] and rows[0]["phones"] == "'+8613900139000"  # text, not +…

    undone = httpx.post(f"{customers}/merges/{merged.json()['merge_id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    assert httpx.get(f"{customers}/{duplicate['id']}", headers=admin).json()["phone"] == "+8613900139000"

    events = [message.event for message in subscriber.received(2)]
    assert [event["type"] for event in events] == ["customer.merged.v1", "customer.unmerged.v1"]
    assert all(event["subject"] == first["id"] and event["source"] == "/guanxi/customer" for event in events)
    assert (events[0]["data"]["survivor_id"], events[0]["data"]["merged_id"]) == (first["id"], duplicate["id"])
    assert (events[1]["data"]["survivor_id"], events[1]["data"]["restored_id"]) == (first["id"], duplicate["id"])
    assert events[0]["data"]["undo_until"] > events[0]["data"]["merged_at"]
