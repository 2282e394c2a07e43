"""Vehicles in and out in bulk: an import of vehicles of customers already in the archive (named by phone or
external id), with per-line errors and a dry run, emitting asset.registered.v1 for each; an export of the
vehicles of any search, formula-safe, that imports back as unchanged."""
from __future__ import annotations

import csv
import io
import time

import pytest
from openpyxl import Workbook, load_workbook
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
ADMIN = auth_headers("admin", "root")
SZ_AGENT = auth_headers("agent", "zhou.yi", stores=("sz01",))


def upload(client, content: bytes, filename: str = "vehicles.csv", headers=WRITER, **options) -> dict:
    data = {"file": (io.BytesIO(content), filename), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/vehicles/imports", data=data, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 20
    while (job := client.get(response.headers["Location"], headers=headers).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "done", job
    return job


def errors_of(client, job, headers=WRITER) -> list[tuple[int, str]]:
    body = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=headers).get_json()
    return [(error["line"], error["column"]) for error in body["items"]]


def vehicles(client, customer_id: str) -> list[dict]:
    return client.get(f"/api/v1/customers/{customer_id}/assets", headers=READER).get_json()["items"]


@pytest.fixture
def owners(new_customer):
    return {"zhang": new_customer(name="张伟", phone="13800138000", kind="owner", external_id="DMS-1"),
            "li": new_customer(name="李娜", phone="13900139000", kind="owner")}


BAD_FILE = ("phone,plate,vin,model,delivered_on,odometer_km\n"
            "13800138000,粤B·12345,LSVAU2180N2183294,雅阁,2024-05-01,1200\n"   # 2: fine
            "13900139000,粤B·66666,,思域,2024/06/01,\n"                        # 3: fine, no VIN
            "13700137000,粤B·77777,,思域,,\n"                                  # 4: no such customer
            "13900139000,粤B·88888,LSVAU2180N2183294,思域,,\n"                 # 5: the VIN of line 2
            "13900139000,粤B·99999,LSVAU2180N218329,思域,,\n"                  # 6: not a VIN
            "13900139000,粤B·99998,,,2024-13-01,-5\n"                          # 7: no model, bad date
            "13900139000,粤B·66666,,思域,,\n").encode()                        # 8: line 3's plate again


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_vehicles_import_reports_every_bad_line_and_a_dry_run_registers_nothing(client, owners, events, dry_run):
    job = upload(client, BAD_FILE, dry_run=dry_run)
    assert (job["mode"], job["rows_total"], job["created"], job["failed"]) == ("vehicles", 7, 2, 5)
    assert errors_of(client, job) == [(4, "phone"), (5, "vin"), (6, "vin"), (7, "delivered_on"), (8, "plate")]
    registered = [event for event in events() if event.type == "asset.registered.v1"]
    if dry_run:
        assert registered == [] and vehicles(client, owners["zhang"]["id"]) == []
        return
    car = vehicles(client, owners["zhang"]["id"])[0]
    assert (car["plate"], car["vin"], car["model"], car["delivered_on"], car["odometer_km"]) == (
        "粤B·12345", "LSVAU2180N2183294", "雅阁", "2024-05-01", 1200)
    assert [v["plate"] for v in vehicles(client, owners["li"]["id"])] == ["粤B·66666"]
    assert sorted((e.subject, e.data["asset"]["plate"]) for e in registered) == sorted(
        [(owners["zhang"]["id"], "粤B·12345"), (owners["li"]["id"], "粤B·66666")])
    history = client.get(f"/api/v1/customers/{owners['zhang']['id']}/history", headers=READER).get_json()
    assert history["items"][0]["action"] == "asset_registered"


def test_a_model_is_needed_and_a_missing_date_is_not_the_only_error_told(client, owners):
    job = upload(client, "手机,车牌号,车型\n13800138000,粤B·12345,\n".encode())
    assert job["failed"] == 1 and errors_of(client, job) == [(2, "model")]


def test_chinese_headings_xlsx_and_customers_named_by_external_id(client, owners):
    book = Workbook()
    sheet = book.active
    sheet.append(["客户编号", "车牌号", "车架号", "车型", "交车日期", "里程"])
    sheet.append(["DMS-1", "粤B12345", "lsvau2180n2183294", "雅阁", "2024年5月1日", 1200.0])
    content = io.BytesIO()
    book.save(content)
    job = upload(client, content.getvalue(), filename="车辆.xlsx", key="external_id")
    assert (job["created"], job["failed"]) == (1, 0), errors_of(client, job)
    car = vehicles(client, owners["zhang"]["id"])[0]
    assert (car["vin"], car["delivered_on"], car["odometer_km"]) == ("LSVAU2180N2183294", "2024-05-01", 1200)


def test_a_vin_of_another_customer_is_an_error_and_the_same_vehicle_again_is_unchanged(client, owners):
    content = "phone,plate,vin,model\n13800138000,粤B·12345,LSVAU2180N2183294,雅阁\n13900139000,粤B·1,,思域\n"
    first = upload(client, content.encode())
    assert (first["created"], first["unchanged"], first["failed"]) == (2, 0, 0)
    again = upload(client, content.encode())
    assert (again["created"], again["unchanged"], again["failed"]) == (0, 2, 0)
    stolen = upload(client, "phone,vin,model\n13900139000,LSVAU2180N2183294,雅阁\n".encode())
    assert stolen["failed"] == 1 and errors_of(client, stolen) == [(2, "vin")]
    assert len(vehicles(client, owners["zhang"]["id"])) == 1 and len(vehicles(client, owners["li"]["id"])) == 1


def test_headers_that_cannot_be_a_vehicles_import_are_422s(client):
    for content, field in ((b"plate,model\nA,B\n", "header"), (b"phone,colour\n1,red\n", "colour")):
        response = client.post("/api/v1/customers/vehicles/imports", headers=WRITER,
                               content_type="multipart/form-data", data={"file": (io.BytesIO(content), "v.csv")})
        assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert client.post("/api/v1/customers/vehicles/imports", headers=READER, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"phone,model\n"), "v.csv")}).status_code == 403


def test_a_store_agent_gives_vehicles_only_to_customers_of_their_stores(client):
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201
    for store_id, phone in (("sz01", "13800138000"), ("gz01", "13900139000")):
        assert client.post("/api/v1/customers", headers=ADMIN, json={
            "name": "客户", "phone": phone, "kind": "owner", "store_id": store_id}).status_code == 201
    job = upload(client, "phone,plate,model\n13800138000,粤B·1,雅阁\n13900139000,粤A·1,雅阁\n".encode(),
                 headers=SZ_AGENT)
    assert (job["created"], job["failed"]) == (1, 1) and errors_of(client, job, SZ_AGENT) == [(3, "phone")]


def test_the_vehicles_export_has_each_customers_vehicles_formula_safe_and_imports_back_unchanged(client, owners):
    for owner, plate, vin in ((owners["zhang"], "粤B·12345", "LSVAU2180N2183294"), (owners["li"], "=1+1", None)):
        assert client.post(f"/api/v1/customers/{owner['id']}/assets", headers=WRITER, json={
            "kind": "vehicle", "model": "雅阁", "plate": plate, "vin": vin, "delivered_on": "2024-05-01",
            "odometer_km": 800}).status_code == 201
    client.post(f"/api/v1/customers/{owners['li']['id']}/assets", headers=WRITER,
                json={"kind": "property_unit", "description": "车位 B2-018"})
    response = client.get("/api/v1/customers/vehicles/export", headers=READER)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="vehicles-' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((row["customer_name"], row["plate"], row["odometer_km"]) for row in rows) == [
        ("张伟", "粤B·12345", "800"), ("李娜", "'=1+1", "800")]
    assert {row["phone"] for row in rows} == {"'+8613800138000", "'+8613900139000"}  # text, as in the customers'

    job = upload(client, text.encode("utf-8"))
    assert (job["created"], job["unchanged"], job["failed"]) == (0, 2, 0), errors_of(client, job)
    one = client.get("/api/v1/customers/vehicles/export?q=B12345&format=xlsx", headers=READER)
    sheet = load_workbook(io.BytesIO(one.get_data()), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert len(table) == 2 and table[1][table[0].index("vin")] == "LSVAU2180N2183294"
    assert client.get("/api/v1/customers/vehicles/export?format=pdf", headers=READER).status_code == 422


def test_the_vehicles_export_leaves_out_other_stores(client):
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201
    for store_id, phone in (("sz01", "13800138000"), ("gz01", "13900139000")):
        customer = client.post("/api/v1/customers", headers=ADMIN, json={
            "name": store_id, "phone": phone, "kind": "owner", "store_id": store_id}).get_json()
        client.post(f"/api/v1/customers/{customer['id']}/assets", headers=ADMIN,
                    json={"kind": "vehicle", "model": "雅阁", "plate": f"粤B·{phone[-5:]}"})
    text = client.get("/api/v1/customers/vehicles/export", headers=SZ_AGENT).get_data().decode("utf-8-sig")
    assert [row["store_id"] for row in csv.DictReader(io.StringIO(text))] == ["sz01"]


def test_a_customer_import_with_a_plate_column_points_to_the_vehicles_import(client):
    response = client.post("/api/v1/customers/imports", headers=WRITER, content_type="multipart/form-data",
                           data={"file": (io.BytesIO("name,phone,kind,车牌号\n张伟,13800138000,owner,粤B1\n".encode()),
                                          "c.csv")})
    assert response.status_code == 422
    assert "vehicles/imports" in response.get_json()["errors"]["车牌号"][0]
