"""On PostgreSQL (new customers written with COPY): an import's e-mails are held against the API and against
each other, its rows' stores are checked; vehicles come in by phone and go out again; the migration gives an
address two customers already shared to the older one."""
from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from customer.adapters.tables import customer_emails, customers
from customer.entrypoints.runner import MIGRATIONS
from servicekit.db import make_engine, upgrade
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import insert, select

pytestmark = pytest.mark.integration

ADMIN = auth_headers("admin", "root")
WRITER = auth_headers("agent", "li.si")


def upload(client, path: str, content: str, **options) -> dict:
    data = {"file": (io.BytesIO(content.encode()), "rows.csv"), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post(path, data=data, headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 30
    while (job := client.get(response.headers["Location"], headers=ADMIN).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def errors_of(client, job) -> list[tuple[int, str]]:
    body = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=ADMIN).get_json()
    return [(error["line"], error["column"]) for error in body["items"]]


def test_imported_emails_and_stores_and_vehicles_on_postgresql(pg_app):
    client = pg_app.test_client()
    assert client.post("/api/v1/stores", headers=ADMIN, json={"id": "sz01", "name": "深圳"}).status_code == 201
    job = upload(client, "/api/v1/customers/imports",
                 "name,phone,kind,email,store_id,purchase_type\n"
                 "张伟,13800138000,owner,Zhang@example.cn,sz01,首次购车\n"
                 "王芳,13900139000,owner,zhang@EXAMPLE.cn,sz01,增购\n"
                 "李娜,13700137000,owner,li@example.cn,nowhere,换购\n"
                 "赵六,13600136000,owner,zhao@example.cn,,换购\n")
    assert job["status"] == "done", job["problem"]
    assert (job["created"], job["failed"]) == (2, 2) and errors_of(client, job) == [(3, "email"), (4, "store_id")]
    with service_context(pg_app).engine.connect() as db:
        held = dict(db.execute(select(customer_emails.c.email, customer_emails.c.customer_id)).all())
    assert set(held) == {"zhang@example.cn", "zhao@example.cn"}
    taken = client.post("/api/v1/customers", headers=WRITER, json={
        "name": "张 伟", "phone": "13500135000", "kind": "prospect", "email": " ZHANG@example.cn"})
    assert taken.status_code in (409, 422)  # a 409 naming the holder, or the address refused as written
    again = client.post("/api/v1/customers", headers=WRITER, json={
        "name": "张 伟", "phone": "13500135000", "kind": "prospect", "email": "ZHANG@example.cn"})
    assert again.status_code == 409 and again.get_json()["existing_customer_id"] == held["zhang@example.cn"]

    vehicles = upload(client, "/api/v1/customers/vehicles/imports",
                      "手机,车牌号,车架号,车型,交车日期,里程\n"
                      "13800138000,粤B·12345,LSVAU2180N2183294,雅阁,2024-05-01,1200\n"
                      "13600136000,粤B·54321,LSVAU2180N2183294,思域,,\n")
    assert (vehicles["created"], vehicles["failed"]) == (1, 1) and errors_of(client, vehicles) == [(3, "vin")]
    found = client.get("/api/v1/customers?q=B12345", headers=ADMIN).get_json()["items"]
    assert [c["name"] for c in found] == ["张伟"] and found[0]["purchase_type"] == "first"
    text = client.get("/api/v1/customers/vehicles/export", headers=ADMIN).get_data().decode("utf-8-sig")
    assert "LSVAU2180N2183294" in text and "张伟" in text
    back = upload(client, "/api/v1/customers/vehicles/imports", text)
    assert (back["created"], back["unchanged"], back["failed"]) == (0, 1, 0)


def test_the_migration_gives_a_shared_address_to_the_older_customer(make_settings, postgres_database):
    url = postgres_database("customer_emails")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.upgrade(config, "0010")  # the archive as it was before addresses were unique
    engine = make_engine(url)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [("00000000-0000-4000-8000-000000000002", "Zhang@example.cn", moment + timedelta(days=1), None),
            ("00000000-0000-4000-8000-000000000001", "zhang@example.cn ", moment, None),
            ("00000000-0000-4000-8000-000000000003", "li@example.cn", moment, "00000000-0000-4000-8000-000000000001")]
    with engine.begin() as db:
        for customer_id, email, created_at, merged_into in rows:
            db.execute(insert(customers).values(
                id=customer_id, version=1, name="张伟", kind="prospect", stage="prospect", email=email,
                consent={}, created_at=created_at, updated_at=created_at, merged_into=merged_into))
    upgrade(url, MIGRATIONS)
    with engine.connect() as db:
        assert db.execute(select(customer_emails.c.email, customer_emails.c.customer_id)).all() == [
            ("zhang@example.cn", "00000000-0000-4000-8000-000000000001")]
    engine.dispose()
