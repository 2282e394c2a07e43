"""On PostgreSQL: an import with bad rows reports them and, as a dry run, writes nothing; export streams."""
from __future__ import annotations

import csv
import io
import time

import pytest
from customer.adapters.tables import customer_phones, customers, history
from servicekit.db import outbox
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


def upload(client, content: bytes, **options) -> dict:
    data = {"file": (io.BytesIO(content), "customers.csv"), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/imports", data=data, headers=WRITER, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 30
    while (job := client.get(response.headers["Location"], headers=READER).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def counts(app) -> tuple[int, ...]:
    with service_context(app).engine.connect() as db:
        return tuple(db.execute(select(func.count()).select_from(table)).scalar_one()
                     for table in (customers, customer_phones, history, outbox))


def test_import_with_bad_rows_dry_run_writes_nothing_then_the_real_one_only_the_good_rows(pg_app):
    client = pg_app.test_client()
    client.post("/api/v1/customers", headers=WRITER, json={"name": "老客户", "phone": "13000130000", "kind": "owner"})
    good = [f"客户{n},1380013{n:04d},owner" for n in range(1500)]  # two chunks
    bad = ["坏号码,12345,owner", "重复,13800130007,owner", "已有,13000130000,owner", "无类型,13900139000,"]
    content = ("name,phone,kind\n" + "\n".join(good[:900] + bad + good[900:]) + "\n").encode()
    before = counts(pg_app)
    dry = upload(client, content, dry_run=True)
    assert (dry["status"], dry["rows_done"], dry["created"], dry["failed"]) == ("done", 1504, 1500, 4)
    assert counts(pg_app) == before
    errors = client.get(f"/api/v1/customers/imports/{dry['id']}/errors", headers=READER).get_json()
    assert [(e["line"], e["column"]) for e in errors["items"]] == [(902, "phone"), (903, "phone"),
                                                                   (904, "phone"), (905, "kind")]
    assert "line 9" in errors["items"][1]["message"]  # the same number as the 8th row
    real = upload(client, content)
    assert (real["created"], real["failed"]) == (1500, 4)
    after = counts(pg_app)
    assert after[0] == before[0] + 1500 and after[1] == before[1] + 1500 and after[3] == before[3] + 1500
    exported = client.get("/api/v1/customers/export?q=kehu", headers=READER)
    rows = list(csv.DictReader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    # every imported 客户 once, ranked before 老客户 (whose name only contains the pinyin)
    assert len(rows) == 1501 and len({row["phone"] for row in rows}) == 1501 and rows[-1]["name"] == "老客户"
