"""Complaints carry their customer's name (lists in one query, no query per row), and WeChat (微信) is a
complaint channel wherever a channel is named."""
from __future__ import annotations

from complaint.domain.vocabulary import CHANNELS
from complaint.entrypoints.api import schemas
from complaint.events import SCHEMAS
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import event

AGENT = auth_headers("agent", "li.si")
VIEWER = auth_headers("viewer", "zhou.view")


def statements_during(app, call):
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    engine = service_context(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, seen


def test_lists_and_single_complaints_carry_the_customers_name(client, file, known_customer):
    complaint = file(customer_id=known_customer(name="马丽"))
    file(customer_id=known_customer(name="王强"))
    listing = client.get("/api/v1/complaints", headers=VIEWER).get_json()
    assert {item["customer_name"] for item in listing["items"]} == {"马丽", "王强"}
    assert client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()["customer_name"] == "马丽"
    assert complaint["customer_name"] == "马丽"  # the answer to filing too
    acknowledged = client.post(f"/api/v1/complaints/{complaint['id']}/acknowledge", headers=AGENT).get_json()
    assert acknowledged["customer_name"] == "马丽"


def test_a_page_of_complaints_is_read_in_the_same_number_of_queries_whatever_its_size(app, client, file):
    file()
    _, few = statements_during(app, lambda: client.get("/api/v1/complaints", headers=VIEWER))
    for _ in range(5):
        file()
    response, many = statements_during(app, lambda: client.get("/api/v1/complaints", headers=VIEWER))
    assert len(response.get_json()["items"]) == 6
    assert all(item["customer_name"] == "张伟" for item in response.get_json()["items"])
    assert len(many) == len(few)
    assert sum("JOIN customers" in statement for statement in many) == 1


def test_wechat_is_a_channel_of_filing_filters_corrections_and_events(client, file, events):
    assert "wechat" in CHANNELS
    complaint = file(channel="wechat")
    assert complaint["channel"] == "wechat" and events()[0].data["channel"] == "wechat"
    file(channel="phone")
    by_wechat = client.get("/api/v1/complaints?channel=wechat", headers=VIEWER).get_json()
    assert [item["id"] for item in by_wechat["items"]] == [complaint["id"]]
    for schema in (schemas.ComplaintArgs(), schemas.SearchArgs(), schemas.CorrectionArgs(),
                   SCHEMAS["complaint.filed.v1"]):
        assert "wechat" in schema.fields["channel"].validate.choices
    callback = client.post(f"/api/v1/complaints/{complaint['id']}/callbacks", headers=AGENT,
                           json={"channel": "wechat", "satisfaction": "satisfied"})
    assert callback.status_code == 409  # not resolved yet — but the channel itself was accepted
