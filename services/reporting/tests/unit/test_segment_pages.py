"""A segment's customer list, page after page: every customer of the segment once, most recent visit first."""
from __future__ import annotations

from datetime import date

from reporting.domain.rfm import SEGMENTS
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from servicekit.testing import auth_headers

from bench.generate import History

PERIOD = Period(date(2025, 11, 1), date(2026, 10, 31))


def _walk(session, segment: str, page_size: int) -> list[dict]:
    pages, after = [], None
    while True:
        members = reports.segment_customers(session, PERIOD, segment, 1, page_size, after=after)
        pages.append(members)
        after = members["next"]
        if after is None:
            return pages


def test_pages_by_cursor_and_by_number_list_each_customer_of_the_segment_once(apply, sessions):
    apply(History(seed=8, customers=250, visits=900, complaints=30).events())
    with sessions() as session:
        sizes = {item["segment"]: item["customers"] for item in reports.value(session, PERIOD).data["segments"]}
        assert sum(1 for size in sizes.values() if size > 14) >= 3  # several segments span several pages
        for segment, _, _ in SEGMENTS:
            pages = _walk(session, segment, 7)
            listed = [customer for page in pages for customer in page["customers"]]
            assert len(listed) == len({c["id"] for c in listed}) == sizes[segment] == pages[0]["total"]
            order = [(c["last_visit_day"], c["id"]) for c in listed]
            assert order == sorted(order, reverse=True)
            for number, page in enumerate(pages, start=1):  # page=N gives what the cursor gave
                by_number = reports.segment_customers(session, PERIOD, segment, number, 7)
                assert by_number["customers"] == page["customers"]


def test_the_value_report_pages_a_segment_through_the_api(apply, client):
    apply(History(seed=8, customers=250, visits=900, complaints=30).events())
    query = {"from": "2025-11-01", "to": "2026-10-31", "segment": "lost", "page_size": 10}
    first = client.get("/api/v1/reports/value", query_string=query, headers=auth_headers("viewer")).get_json()
    second = client.get("/api/v1/reports/value", query_string={**query, "after": first["members"]["next"]},
                        headers=auth_headers("viewer")).get_json()
    assert len(first["members"]["customers"]) == len(second["members"]["customers"]) == 10
    assert first["members"]["customers"][-1]["last_visit_day"] >= second["members"]["customers"][0]["last_visit_day"]
    assert not {c["id"] for c in first["members"]["customers"]} & {c["id"] for c in second["members"]["customers"]}
    bad = client.get("/api/v1/reports/value", query_string={**query, "after": "yesterday"},
                     headers=auth_headers("viewer"))
    assert bad.status_code == 422
