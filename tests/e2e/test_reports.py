"""End to end on RabbitMQ and PostgreSQL: what people do through the gateway in the customer and complaint
services shows in the reports, through the gateway, within seconds — as JSON, CSV, a chart and the printable
monthly page. Gateway, customer (web, relay), complaint (web, relay, consume) and reporting (web, consume)
run as separate processes."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import eventually, login, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url):
    """The running system."""
    with running_system(tmp_path_factory.mktemp("e2e-reports"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
                         ("complaint", "web"), ("complaint", "relay"),
                         ("complaint", "consume"), ("reporting", "web"), ("reporting", "consume")],
                        DEFAULT_UPSTREAMS) as running:
        yield running


@pytest.fixture(scope="module")
def gateway(system) -> str:
    """The gateway's URL."""
    return system.gateway


def call(method: str, url: str, headers: dict, body: dict | None = None, status: int = 201) -> dict:
    response = httpx.request(method, url, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json()


def file_when_known(gateway: str, headers: dict[str, str], body: dict) -> dict:
    """File the complaint, retrying while the customer's creation is still on its way to that service."""
    response, _ = eventually(lambda: httpx.post(f"{gateway}/api/v1/complaints", headers=headers, json=body),
                             lambda response: response.status_code == 201, timeout=20)
    return response.json()


def test_actions_in_other_services_show_in_the_reports_within_seconds(gateway):
    headers = login(gateway)
    customers = f"{gateway}/api/v1/customers"
    region = {"province": "广东省", "city": "深圳市", "district": "南山区"}
    for username in ("li.na", "zhao.liu"):  # the consultant and the complaint's assignee, published to the services
        person = {"username": username, "role": "agent", "password": f"Staff-{uuid.uuid4().hex}"}
        call("POST", f"{gateway}/api/v1/users", headers, person, status=201)
    body = {"name": "周杰", "phone": "139 0013 9001", "kind": "prospect", "source": "车展", "owner": "li.na",
            "wanted_model": "雅阁", "region": region}
    # an owner is checked against the users the customer service has heard of: wait for li.na to arrive
    created, _ = eventually(lambda: httpx.post(customers, headers=headers, json=body),
                            lambda response: response.status_code == 201)
    prospect = created.json()
    call("POST", f"{customers}/{prospect['id']}/visits", headers, {"kind": "store", "purpose": "看车",
                                                                   "staff": "li.na"})
    vehicle = call("POST", f"{customers}/{prospect['id']}/assets", headers,
                   {"kind": "vehicle", "model": "雅阁 2024 款", "plate": "粤B·D12345", "vin": "LHGCV1658R8012345"})
    call("POST", f"{customers}/{prospect['id']}/visits", headers, {"kind": "delivery", "asset_id": vehicle["id"],
                                                                   "staff": "li.na"})
    call("POST", f"{customers}/{prospect['id']}/visits", headers,
         {"kind": "service", "asset_id": vehicle["id"], "amount": "680.00", "odometer_km": 3000,
          "service_type": "maintenance", "staff": "zhou.sa"})
    call("POST", f"{customers}/{prospect['id']}/visits", headers,
         {"kind": "callback", "channel": "phone", "satisfaction": "very_satisfied", "staff": "cr.lin"})
    complaint = file_when_known(gateway, headers, {
        "customer_id": prospect["id"], "channel": "phone", "category": "service", "severity": "normal",
        "subcategory": "waiting_time", "description": "保养等了三个小时"})
    path = f"{gateway}/api/v1/complaints/{complaint['id']}"
    call("POST", f"{path}/acknowledge", headers, {}, status=200)
    # the user reaches the complaint service as an event: the assignment waits for it
    eventually(lambda: httpx.post(f"{path}/assign", headers=headers, json={
        "department": "after_sales", "assignee": "zhao.liu"}), lambda response: response.status_code == 200)
    call("POST", f"{path}/resolve", headers, {"resolution": "致歉", "remedy_cost": "100.00",
                                              "responsible_party": "after_sales"}, status=200)
    call("POST", f"{path}/callbacks", headers, {"channel": "phone", "satisfaction": "satisfied"}, status=200)

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    reports = f"{gateway}/api/v1/reports"

    def report(name: str) -> dict:
        response = httpx.get(f"{reports}/{name}", headers=headers, params=period)
        assert response.status_code == 200, response.text
        return response.json()

    prospects, seconds = eventually(lambda: report("prospects"),
                                    lambda r: r.get("totals", {}).get("converted") == 1, timeout=15)
    assert seconds < 15
    assert prospects["totals"] == {"prospects": 1, "converted": 1, "conversion_rate": 1.0}
    assert prospects["by_dimension"]["source"] == [{"value": "车展", "count": 1, "converted": 1,
                                                    "conversion_rate": 1.0}]
    assert prospects["freshness"]["last_event_time"] is not None
    owners = report("owners")
    assert owners["totals"]["owners"] == 1
    assert owners["by_dimension"]["model"] == [{"value": "雅阁 2024 款", "count": 1}]
    complaints, _ = eventually(lambda: report("complaints"),
                               lambda r: r.get("satisfaction_after_callback", {}).get("rated") == 1)
    assert complaints["totals"]["complaints"] == 1 and complaints["totals"]["resolved"] == 1
    assert complaints["by_dimension"]["category"] == [{"value": "service", "count": 1}]
    assert complaints["satisfaction_after_callback"]["satisfaction_rate"] == 1.0
    callbacks = report("callbacks")
    assert sum(m["callbacks"] for m in callbacks["satisfaction"]["monthly"]) == 1
    staff = report("staff")
    assert [(c["staff"], c["prospects"], c["converted"]) for c in staff["consultants"]] == [("li.na", 1, 1)]
    assert {"zhou.sa", "zhao.liu"} <= {t["staff"] for t in staff["technicians"]}

    as_csv = httpx.get(f"{reports}/prospects", headers={**headers, "Accept": "text/csv"}, params=period)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert '"source","车展",1,1,1.0' in as_csv.text  # text enclosed in quotes, figures bare
    chart = httpx.get(f"{reports}/complaints", headers=headers, params={**period, "format": "png"})
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    page = httpx.get(f"{reports}/monthly", headers={**headers, "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "月度客户统计" in page.text
    refused = httpx.get(f"{reports}/prospects", headers=headers, params={"from": "2026-10-01", "to": "2026-01-01"})
    assert refused.status_code == 422 and refused.json()["errors"] == {"to": ["`to` is before `from`."]}


def test_a_viewer_tied_to_a_store_sees_only_that_stores_figures_and_customers(system):
    gateway = system.gateway
    admin = login(gateway)
    for store in ({"id": "sh01", "name": "上海浦东店"}, {"id": "bj01", "name": "北京朝阳店"}):
        assert httpx.post(f"{gateway}/api/v1/stores", headers=admin, json=store).status_code == 201
    user = {"username": "sun.li", "role": "viewer", "stores": ["sh01"], "password": "Sh01-report-viewer"}
    assert httpx.post(f"{gateway}/api/v1/users", headers=admin, json=user).status_code == 201
    viewer = login(gateway, "sun.li", "Sh01-report-viewer")
    names = {"sh01": "上官婉儿", "bj01": "欧阳修远"}
    for (store, name), phone in zip(names.items(), ("139 0013 9201", "139 0013 9202"), strict=True):
        customer = call("POST", f"{gateway}/api/v1/customers", admin, {
            "name": name, "phone": phone, "kind": "prospect", "store_id": store, "source": "车展"})
        call("POST", f"{gateway}/api/v1/customers/{customer['id']}/visits", admin, {"kind": "store", "staff": "li.na"})

    def report(base: str, headers: dict, name: str, **params) -> httpx.Response:
        return httpx.get(f"{base}/api/v1/reports/{name}", headers=headers, params=params)

    eventually(lambda: report(gateway, admin, "value", store="bj01", segment="new").json(),
               lambda r: r.get("members", {}).get("total") == 1, timeout=20)
    # Through the gateway with the login's token, and directly with a service token, as the gateway passes on.
    ways = ((gateway, viewer, admin), (system.services["reporting"],
                                       system.service_headers("viewer", "sun.li", ("sh01",)), system.service_headers()))
    for base, as_viewer, as_admin in ways:
        assert report(base, as_viewer, "value", store="bj01", segment="new").status_code == 403
        for name in ("staff", "complaints", "owners", "monthly"):
            assert report(base, as_viewer, name, store="bj01").status_code == 403
        theirs = report(base, as_viewer, "value", segment="new").json()
        assert theirs["stores"] == ["sh01"]
        assert [c["name"] for c in theirs["members"]["customers"]] == [names["sh01"]]
        prospects = report(base, as_viewer, "prospects").json()
        assert prospects["totals"]["prospects"] == 1
        assert report(base, as_admin, "prospects").json()["totals"]["prospects"] >= 2
        as_csv = httpx.get(f"{base}/api/v1/reports/prospects", headers={**as_viewer, "Accept": "text/csv"})
        assert as_csv.status_code == 200 and '"source","车展",1,0,0.0' in as_csv.text


def test_far_dates_are_refused_and_do_not_hold_up_other_reports(gateway):
    headers = login(gateway)
    reports = f"{gateway}/api/v1/reports"
    for name, params, field in (("owners", {"from": "0001-01-01", "to": "0001-01-31"}, "from"),
                                ("monthly", {"month": "0000-01"}, "month"),
                                ("callbacks", {"from": "0394-11-22"}, "from"),
                                ("monthly", {"from": "1900-01-01"}, "from")):
        refused = httpx.get(f"{reports}/{name}", headers=headers, params=params)
        assert refused.status_code == 422 and field in refused.json()["errors"], refused.text
    assert httpx.get(f"{reports}/complaints", headers=headers).status_code == 200


def test_report_endpoints_are_in_the_one_openapi_document(gateway):
    paths = httpx.get(f"{gateway}/api/v1/openapi.json").json()["paths"]
    for name in ("prospects", "owners", "customer-flow", "churn", "value", "complaints", "callbacks", "staff",
                 "monthly"):
        assert f"/api/v1/reports/{name}" in paths, name
