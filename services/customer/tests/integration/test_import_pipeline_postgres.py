"""On PostgreSQL: a large import's path (rows checked in a worker process, written with COPY as text) keeps
every character, finds the new customers by pinyin, and writes one event per new customer."""
from __future__ import annotations

import io
import time

import pytest
from customer.service_layer import imports
from servicekit.db import outbox
from servicekit.events import parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select, text

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
CONTENT = ("name,phone,phones,kind,address,notes,tags\n"
           '张伟,13800138000,13800138001,owner,"深圳市\\南山区\t科技园","两行\n备注 \\N 不是空",VIP;车\\队\n'
           "王芳,12345,,prospect,,,\n"
           "曾小贤,13900139000,13800138001,owner,,,\n"
           "Zoë O'Brien,13700137000,,prospect,\\,\\\\,\n"
           "陈静,13500135000,,prospect,,,\n")


def upload(client, content: bytes, **options) -> dict:
    data = {"file": (io.BytesIO(content), "customers.csv"), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/imports", data=data, headers=WRITER, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 60
    while (job := client.get(response.headers["Location"], headers=READER).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_a_pipelined_import_on_postgresql_keeps_every_character_and_is_searchable(pg_app, monkeypatch):
    monkeypatch.setattr(imports, "PIPELINE_FROM", 0)  # this small file takes the large files' path
    monkeypatch.setattr(imports, "CHUNK", 2)
    client = pg_app.test_client()
    job = upload(client, CONTENT.encode())
    assert (job["status"], job["created"], job["failed"], job["rows_done"]) == ("done", 3, 2, 5), job
    errors = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=READER).get_json()["items"]
    assert [(e["line"], e["column"]) for e in errors] == [(4, "phone"), (5, "phones")]
    found = {c["name"]: c for c in client.get("/api/v1/customers?page_size=50", headers=READER).get_json()["items"]}
    assert set(found) == {"张伟", "Zoë O'Brien", "陈静"}
    zhang = found["张伟"]
    assert zhang["address"] == "深圳市\\南山区\t科技园" and zhang["notes"] == "两行\n备注 \\N 不是空"
    assert zhang["tags"] == ["VIP", "车\\队"] and zhang["phones"] == ["+8613800138001"]
    assert found["Zoë O'Brien"]["address"] == "\\" and found["Zoë O'Brien"]["notes"] == "\\\\"
    assert found["陈静"]["address"] is None and found["陈静"]["tags"] == []
    for term, name in (("zhangwei", "张伟"), ("zw", "张伟"), ("chenjing", "陈静"), ("8001", "张伟")):
        hits = client.get(f"/api/v1/customers?q={term}", headers=READER).get_json()["items"]
        assert [hit["name"] for hit in hits] == [name], term
    history = client.get(f"/api/v1/customers/{zhang['id']}/history", headers=READER).get_json()["items"]
    assert history[0]["action"] == "imported" and history[0]["changes"]["notes"] == [None, "两行\n备注 \\N 不是空"]
    with service_context(pg_app).engine.connect() as db:
        created = [parse_event(body) for body in db.execute(select(outbox.c.body)).scalars()]
    assert sorted((event.type, event.subject) for event in created) == sorted(
        ("customer.created.v1", customer["id"]) for customer in found.values())
    assert {event.data["name"]: event.data["notes"] for event in created}["张伟"] == "两行\n备注 \\N 不是空"


def test_an_import_into_an_empty_archive_refreshes_the_statistics_of_the_tables_it_looks_up(pg_app, monkeypatch):
    # without them a table that grew from empty is planned as if still empty: each chunk's look-ups read every
    # customer written before it
    monkeypatch.setattr(imports, "CHUNK", 2)
    client = pg_app.test_client()
    job = upload(client, CONTENT.encode())
    assert (job["status"], job["created"]) == ("done", 3), job
    with service_context(pg_app).engine.connect() as db:
        for table in ("customers", "customer_phones"):
            known = db.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                               {"t": table}).scalar()
            rows = db.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert known == rows, (table, known, rows)  # -1: never analyzed
