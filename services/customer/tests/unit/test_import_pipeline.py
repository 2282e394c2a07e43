"""An import checked in a worker process, chunks ahead of the writing, ends exactly as one checked in turn."""
from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

import pytest
from customer.adapters.spreadsheets import read_rows
from customer.adapters.upload_bounds import count_rows
from customer.app import create_app
from customer.entrypoints.api.row_checks import check_row
from customer.entrypoints.runner import MIGRATIONS
from customer.service_layer import imports
from servicekit.db import outbox
from servicekit.events import correlation_id, parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
HEADER = "external_id,name,phone,phones,kind,birthday,city,tags,notes,email\n"
ROWS = [
    'DMS-1,张伟,13800138000,,owner,1985-03-02,深圳市,VIP;车队,"两行\n备注",zhang@example.cn',  # 2-3
    "DMS-2,王芳,12345,,prospect,,,,,",                       # 4: not a phone
    "DMS-3,李娜,13900139000,,vip,,,,,",                      # 5: no such kind
    "DMS-4,赵六,13700137000,,owner,1990-13-45,,,,",          # 6: no such date
    "DMS-5,老客户,13000130000,,owner,,,,已在档案,",            # 7: a customer of the archive
    "DMS-6,刘洋,138 0013 8000,,owner,,,,,",                  # 8: the phone of line 3 (another chunk)
    "DMS-7,,13600136000,,owner,,,,,not-an-email",            # 9: no name, bad email
    "DMS-8,陈静,13500135000,13400134000,prospect,,广州市,,,",  # 10
    "DMS-9,周杰,13400134000,,prospect,,,,,",                 # 11: its phone is line 10's other phone
    "DMS-10,曾单\\解,13300133000,,owner,,,,tab\there back\\slash,",  # 12: COPY's special characters
    ",无编号,13200132000,,owner,,,,,",                       # 13: no external id
    "DMS-1,张伟二,13100131000,,owner,,,,,",                  # 14: the external id of line 3
]
CONTENT = HEADER + "\n".join(ROWS) + "\n"


@pytest.fixture
def fresh_app(make_settings, migrated_sqlite):
    """Build apps on fresh databases, each with the same customer already in the archive."""
    made = []

    def make():
        app = create_app(make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, f"customer{len(made)}")))
        made.append(app)
        response = app.test_client().post("/api/v1/customers", headers=WRITER, json={
            "name": "老客户", "phone": "13000130000", "kind": "owner", "external_id": "DMS-5"})
        assert response.status_code == 201
        return app, response.get_json()["id"]

    yield make
    for app in made:
        service_context(app).engine.dispose()


def events_of(app) -> list:
    with service_context(app).engine.connect() as connection:
        return [parse_event(body) for body in connection.execute(select(outbox.c.body)).scalars()]


def imported(app, existing_id: str, path: Path, mode: str, key: str, pipelined: bool, dry_run: bool = False):
    """Import the file through the use case; (the import, its errors, the customers, the events), with
    what differs between two databases anyway (ids, times) left out."""
    sessions = service_context(app).sessions
    options = imports.ImportOptions(mode=mode, key=key, dry_run=dry_run, actor="li.si", fmt="csv",
                                    filename="customers.csv")
    job = imports.start_import(sessions, options, count_rows(path, "csv", 1_000_000))
    imports.run_import(sessions, job["id"], options, read_rows(path, "csv"), check_row, pipelined=pipelined)
    state = imports.get_import(sessions, job["id"])
    errors, _ = imports.import_errors(sessions, job["id"], 0, 100)
    client = app.test_client()
    found = client.get("/api/v1/customers?page_size=100", headers=READER).get_json()["items"]
    ids = {c["id"]: f"customer of {c['phone']}" for c in found} | {existing_id: "the archive's customer"}

    def anonymous(value: Any) -> Any:
        text = str(value)
        for customer_id, name in ids.items():
            text = text.replace(customer_id, name)
        return text

    counts = {name: state[name] for name in ("status", "rows_total", "rows_done", "created", "updated",
                                             "unchanged", "failed", "problem")}
    customers = sorted(({k: v for k, v in c.items() if k not in ("id", "created_at", "updated_at")} for c in found),
                       key=lambda c: c["phone"])
    events = sorted((event.type, anonymous(event.subject), anonymous({k: v for k, v in event.data.items()
                                                                      if k not in ("created_at", "updated_at")}))
                    for event in events_of(app))
    return counts, [(e["line"], e["column"], anonymous(e["message"])) for e in errors], customers, events


@pytest.mark.parametrize("mode,key", [("create", "phone"), ("upsert", "phone"), ("update", "external_id"),
                                      ("upsert", "external_id")])
def test_a_pipelined_import_gives_what_a_serial_one_gives_errors_included(fresh_app, tmp_path, monkeypatch,
                                                                          mode, key):
    monkeypatch.setattr(imports, "CHUNK", 3)  # several chunks, some checked ahead while others are written
    path = tmp_path / "customers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    serial = imported(*fresh_app(), path, mode, key, pipelined=False)
    pipelined = imported(*fresh_app(), path, mode, key, pipelined=True)
    assert pipelined == serial
    counts, errors, customers, events = serial
    assert counts["status"] == "done" and counts["rows_done"] == len(ROWS)
    if mode == "create":
        assert (counts["created"], counts["failed"]) == (5, 7)  # lines 13 and 14: external ids are no key here
        assert [(line, column) for line, column, _ in errors] == [  # the quoted line break: one line more
            (4, "phone"), (5, "kind"), (6, "birthday"), (7, "phone"), (8, "phone"), (9, "email"), (9, "name"),
            (11, "phone")]
        assert "the archive's customer" in errors[3][2] and "line 3" in errors[4][2] and "line 10" in errors[7][2]
        assert len(customers) == 6 and len(events) == 6  # the archive's customer and 5 new ones
    named = {c["name"]: c for c in customers}
    if "曾单\\解" in named:
        assert named["曾单\\解"]["notes"] == "tab\there back\\slash"
    if "张伟" in named and mode != "update":
        assert named["张伟"]["notes"] == "两行\n备注" and named["张伟"]["tags"] == ["VIP", "车队"]


def test_a_pipelined_dry_run_writes_nothing_and_reports_the_same(fresh_app, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 4)
    path = tmp_path / "customers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    app, existing_id = fresh_app()
    dry = imported(app, existing_id, path, "create", "phone", pipelined=True, dry_run=True)
    counts, errors, customers, events = dry
    assert (counts["created"], counts["failed"]) == (5, 7)
    assert [c["name"] for c in customers] == ["老客户"] and len(events) == 1  # only its own creation
    assert dry[:2] == imported(*fresh_app(), path, "create", "phone", pipelined=False, dry_run=True)[:2]


def test_an_import_whose_checks_fail_in_the_worker_is_marked_failed(fresh_app, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    app, _ = fresh_app()
    sessions = service_context(app).sessions
    options = imports.ImportOptions(mode="create", key="phone", dry_run=False, actor="li.si", fmt="csv")
    job = imports.start_import(sessions, options, len(ROWS))
    broken_check = operator.truediv  # a check with a bug (dict / bool), that the worker process can be given
    with pytest.raises(TypeError):
        imports.run_import(sessions, job["id"], options, read_rows(path, "csv"), broken_check, pipelined=True)
    state = imports.get_import(sessions, job["id"])
    assert state["status"] == "failed" and "TypeError" in state["problem"] and state["rows_done"] == 0


@pytest.mark.parametrize("request_id", ["req-import-7", None])
def test_every_event_of_an_import_carries_its_request_or_else_the_import(fresh_app, tmp_path, monkeypatch,
                                                                         request_id):
    monkeypatch.setattr(imports, "CHUNK", 3)
    path = tmp_path / "customers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    app, _ = fresh_app()
    sessions = service_context(app).sessions
    options = imports.ImportOptions(mode="create", key="phone", dry_run=False, actor="li.si", fmt="csv")
    job = imports.start_import(sessions, options, count_rows(path, "csv", 1_000_000))
    token = correlation_id.set(request_id)
    try:
        imports.run_import(sessions, job["id"], options, read_rows(path, "csv"), check_row, pipelined=True)
    finally:
        correlation_id.reset(token)
    created = [event for event in events_of(app) if event.data["name"] != "老客户"]
    assert len(created) == 5
    assert {event.correlationid for event in created} == {request_id or job["id"]}
