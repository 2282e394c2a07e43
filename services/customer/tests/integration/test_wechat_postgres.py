"""On PostgreSQL: a customer stored before WeChat (migration 0014) reads as not consenting to it and takes an
openid afterwards; an import (new customers written with COPY) brings openids and WeChat consent in."""
from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from customer.adapters.tables import customer_phones, customers
from customer.app import create_app
from customer.entrypoints.runner import MIGRATIONS
from servicekit.db import make_engine, upgrade
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import insert, text

pytestmark = pytest.mark.integration

ADMIN = auth_headers("admin", "root")
OLD_ID = "00000000-0000-4000-8000-000000000001"
OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


def upload(client, content: str) -> dict:
    data = {"file": (io.BytesIO(content.encode()), "rows.csv")}
    response = client.post("/api/v1/customers/imports", data=data, headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 30
    while (job := client.get(response.headers["Location"], headers=ADMIN).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_a_customer_from_before_wechat_and_an_import_of_openids(make_settings, postgres_database):
    url = postgres_database("customer_wechat")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.upgrade(config, "0013")  # the archive as it was before WeChat
    engine = make_engine(url)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as db:
        db.execute(insert(customers).values(
            id=OLD_ID, version=1, name="张伟", kind="owner", stage="owner",
            consent={"sms": True, "phone": False, "email": False}, created_at=moment, updated_at=moment))
        db.execute(insert(customer_phones).values(phone="+8613800138000", customer_id=OLD_ID, position=0,
                                                  digits_reversed="0008318310868"))
    upgrade(url, MIGRATIONS)
    engine.dispose()

    app = create_app(make_settings("customer", database_url=url))
    client = app.test_client()
    old = client.get(f"/api/v1/customers/{OLD_ID}", headers=ADMIN).get_json()
    assert old["wechat_openid"] is None
    assert old["consent"] == {"sms": True, "phone": False, "email": False, "wechat": False}
    edited = client.patch(f"/api/v1/customers/{OLD_ID}", headers={**ADMIN, "If-Match": '"1"'},
                          json={"wechat_openid": OPENID, "consent": {"wechat": True}})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["wechat_openid"] == OPENID and edited.get_json()["consent"]["wechat"] is True

    job = upload(client, "姓名,手机,类型,微信OpenID,微信\n王芳,13900139000,保有客户,oAbC-12_x,是\n"
                         "李娜,13700137000,保有客户,,\n")
    assert (job["created"], job["failed"]) == (2, 0), job
    with service_context(app).engine.connect() as db:
        rows = dict(db.execute(text("SELECT name, wechat_openid FROM customers WHERE name IN ('王芳', '李娜')")).all())
        consents = db.execute(text("SELECT channel, granted FROM consent_records r JOIN customers c "
                                   "ON c.id = r.customer_id WHERE c.name = '王芳'")).all()
    assert rows == {"王芳": "oAbC-12_x", "李娜": None}
    assert consents == [("wechat", True)]
    found = {c["name"]: c for c in client.get("/api/v1/customers?page_size=50", headers=ADMIN).get_json()["items"]}
    assert found["王芳"]["consent"]["wechat"] is True and found["李娜"]["consent"]["wechat"] is False
    service_context(app).engine.dispose()
