"""An import's bounds: rows, bytes unpacked and a CSV cell's length refused at once (413 naming the limit),
the errors kept for a bounded number of rows, and the uploaded file removed whatever happens."""
from __future__ import annotations

import io
import tempfile
import time
import zipfile
from xml.sax.saxutils import escape

import pytest
from customer.app import create_app
from customer.entrypoints.runner import MIGRATIONS
from customer.service_layer import imports
from openpyxl import Workbook
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import text

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    """The folder uploaded files are kept in while they are checked and imported; what is left in it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return lambda: sorted(path.name for path in tmp_path.glob("customer-import-*"))


@pytest.fixture
def limited(make_settings, migrated_sqlite, uploads):
    """A client of an app with the given CRM_IMPORT_* settings."""
    apps = []

    def make(**limits: int):
        extra = {f"CRM_IMPORT_{name.upper()}": str(value) for name, value in limits.items()}
        apps.append(create_app(make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, "customer"),
                                             extra=extra)))
        return apps[-1].test_client()
    yield make
    for app in apps:
        service_context(app).engine.dispose()


def post(client, content: bytes, filename: str = "customers.csv", **options):
    data = {"file": (io.BytesIO(content), filename), **{k: str(v).lower() for k, v in options.items()}}
    return client.post("/api/v1/customers/imports", data=data, headers=WRITER, content_type="multipart/form-data")


def upload(client, content: bytes, filename: str = "customers.csv", **options) -> dict:
    """Import a file and wait for the import to finish; its final state."""
    response = post(client, content, filename, **options)
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 20
    while (job := client.get(response.headers["Location"], headers=READER).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def customers(client) -> list[dict]:
    return client.get("/api/v1/customers?page_size=200", headers=READER).get_json()["items"]


def csv_of(rows: int, blank: int = 0) -> bytes:
    lines = [f"客户{n},1380013{n:04d},owner" for n in range(rows)] + [""] * blank
    return ("name,phone,kind\n" + "\n".join(lines) + "\n").encode()


def workbook(rows: bytes, dimension: str | None = None, strings: bytes | None = None) -> bytes:
    """An XLSX file whose sheet holds `rows` (<row> elements) as written, with or without a recorded size and
    a table of text (<si> elements), as generators other than Excel (and hostile ones) write them."""
    base = io.BytesIO()
    empty = Workbook(write_only=True)
    empty.create_sheet("customers")
    empty.save(base)
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
             + b"<sheetData>" + rows + b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            if strings is not None and info.filename == "[Content_Types].xml":
                part = part.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"'
                                    b"/></Types>")
            if strings is not None and info.filename == "xl/_rels/workbook.xml.rels":
                part = part.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                    b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
                                    b"/></Relationships>")
            target.writestr(info.filename, part)
        if strings is not None:
            target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                                    b'2006/main">' + strings + b"</sst>")
    return out.getvalue()


def row(number: int | None, *cells: str) -> bytes:
    """A <row> element (numbered, or left to follow the one before) of inline text cells."""
    inner = "".join(f'<c t="inlineStr"><is><t>{escape(cell)}</t></is></c>' for cell in cells)
    return (f'<row r="{number}">' if number else "<row>").encode() + inner.encode() + b"</row>"


def refused(response, limit: str) -> str:
    assert response.status_code == 413, response.get_json()
    assert response.mimetype == "application/problem+json"
    [message] = response.get_json()["errors"]["file"]
    assert limit in message
    return message


def test_a_file_with_more_rows_than_the_limit_is_refused_at_once_naming_it(limited, uploads):
    client = limited(max_rows=5)
    message = refused(post(client, csv_of(6)), "CRM_IMPORT_MAX_ROWS")
    assert "more than 5 rows" in message
    refused(post(client, csv_of(4, blank=2)), "CRM_IMPORT_MAX_ROWS")  # blank rows are read too: they count
    assert customers(client) == [] and uploads() == []
    job = upload(client, csv_of(5))
    assert (job["rows_total"], job["created"]) == (5, 5) and uploads() == []


def test_a_workbook_that_expands_to_more_rows_than_the_limit_is_refused_whatever_size_it_records(limited, uploads):
    client = limited(max_rows=5)
    header = row(1, "name", "phone", "kind")
    rows = [row(None, f"客户{n}", f"1380013{n:04d}", "owner") for n in range(6)]
    many = b"".join(rows)
    refused(post(client, workbook(header + many), "bomb.xlsx"), "CRM_IMPORT_MAX_ROWS")  # no recorded size
    refused(post(client, workbook(header + many, "A1:C999999"), "bomb.xlsx"), "CRM_IMPORT_MAX_ROWS")
    # two rows in the file, but the second numbered a million: a spreadsheet reads a million rows
    gap = workbook(header + row(1_000_000, "张伟", "13800138000", "owner"))
    refused(post(client, gap, "gap.xlsx"), "CRM_IMPORT_MAX_ROWS")
    assert uploads() == []
    # a recorded size of more rows than the sheet has: the rows there are counted, and the file imported
    job = upload(client, workbook(header + b"".join(rows[:3]), "A1:C999999"), "few.xlsx")
    assert (job["status"], job["created"]) == ("done", 3) and uploads() == []


def test_a_two_million_row_workbook_of_a_megabyte_is_refused_within_seconds(client, uploads):
    header = row(1, "name", "phone", "kind")
    rows = row(None, "张伟") * 10_000
    bomb = workbook(header + rows * 200)  # no recorded size, as openpyxl's own write-only files
    assert len(bomb) < 2_000_000
    started = time.monotonic()
    refused(post(client, bomb, "bomb.xlsx"), "CRM_IMPORT_MAX_ROWS")
    assert time.monotonic() - started < 15  # counted up to the limit only (it took minutes when read whole)
    assert uploads() == []


def test_a_workbook_with_more_text_than_its_rows_can_use_is_refused_before_it_is_opened(client, uploads):
    header = b'<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'
    used = b"<si><t>name</t></si><si><t>phone</t></si><si><t>kind</t></si>"
    line = row(2, "张伟", "13800138000", "owner")
    job = upload(client, workbook(header + line, strings=used), "shared.xlsx")
    assert (job["status"], job["created"]) == ("done", 1)  # a table of text is read as usual
    bomb = workbook(header + line, strings=used + b"<si><t>x</t></si>" * 1_000_000)  # 17 MB of text, 50 KB packed
    started = time.monotonic()
    message = refused(post(client, bomb, "shared.xlsx"), "table of text")
    assert "more than 192 entries" in message and time.monotonic() - started < 5  # openpyxl: 10 s and more
    assert uploads() == []


def test_a_header_of_a_hundred_thousand_columns_is_one_error_not_one_each(client, uploads):
    response = post(client, b"name" + b"," * 100_000 + b"\n")
    assert response.status_code == 422 and len(response.get_data()) < 1000
    assert "100,001 columns" in response.get_json()["errors"]["header"][0]
    assert uploads() == []


def test_a_damaged_workbook_is_a_422_and_the_file_is_gone(client, uploads):
    damaged = workbook(row(1, "name", "phone"), dimension='A1:B2" <<')  # no XML from the sheet's start
    response = post(client, damaged, "bad.xlsx")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]
    assert uploads() == []


def test_a_file_that_unpacks_to_more_bytes_than_the_limit_is_refused_naming_it(limited, uploads):
    client = limited(max_uncompressed_bytes=20_000)
    message = refused(post(client, csv_of(1000)), "CRM_IMPORT_MAX_UNCOMPRESSED_BYTES")
    assert "at most 20,000" in message
    notes = "备注" * 20_000  # 120 KB of text, a few hundred bytes packed
    packed = workbook(row(1, "name", "phone", "notes") + row(2, "张伟", "13800138000", notes))
    assert len(packed) < 20_000
    refused(post(client, packed, "notes.xlsx"), "CRM_IMPORT_MAX_UNCOMPRESSED_BYTES")
    assert customers(client) == [] and uploads() == []


def test_a_csv_cell_longer_than_a_cell_may_be_is_a_413_naming_the_limit_and_the_file_is_gone(client, uploads):
    content = b"name,phone,notes\n" + "张伟,13800138000,".encode() + b"x" * 3_000_000 + b"\n"
    message = refused(post(client, content), "characters")
    assert "131,072" in message
    assert uploads() == []


def test_the_errors_of_the_first_rows_with_errors_are_kept_and_every_one_counted(limited, app):
    client = limited(max_error_rows=3)
    bad = "".join(f"王{n},1390013{n:04d},martian,not-an-email\n" for n in range(8))  # each: bad kind and email
    job = upload(client, b"name,phone,kind,email\n" + bad.encode() + "张伟,13800138000,owner,\n".encode(),
                 dry_run=True)
    assert (job["status"], job["rows_done"], job["created"], job["failed"]) == ("done", 9, 1, 8)
    page = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=READER).get_json()
    assert [(error["line"], error["column"]) for error in page["items"]] == [
        (2, "email"), (2, "kind"), (3, "email"), (3, "kind"), (4, "email"), (4, "kind")]
    assert (page["total"], page["failed"], page["complete"]) == (6, 8, False)
    with service_context(client.application).engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM import_errors")).scalar_one() == 6


def test_every_error_is_listed_when_fewer_rows_fail_than_the_limit(limited):
    client = limited(max_error_rows=3)
    job = upload(client, "name,phone,kind\n王芳,12345,owner\n张伟,13800138000,owner\n".encode())
    page = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=READER).get_json()
    assert (page["total"], page["failed"], page["complete"]) == (1, 1, True)


def test_the_uploaded_file_is_removed_after_success_refusal_and_failure(client, uploads, monkeypatch):
    assert upload(client, csv_of(3))["status"] == "done" and uploads() == []
    assert post(client, b"name,colour\n").status_code == 422 and uploads() == []

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(imports, "prepared_chunks", broken)  # fails in the background, after the 202
    job = upload(client, csv_of(3))
    assert (job["status"], job["problem"]) == ("failed", "RuntimeError: the disk is full")
    deadline = time.monotonic() + 5  # removed by the import's thread once it has recorded the failure
    while uploads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert uploads() == []
    monkeypatch.setattr(imports, "start_import", broken)  # fails in the request: a 500, and still no file left
    assert post(client, csv_of(3)).status_code == 500 and uploads() == []


def test_limits_that_are_not_positive_whole_numbers_stop_the_service_at_start(make_settings, migrated_sqlite):
    with pytest.raises(ValueError, match="CRM_IMPORT_MAX_ROWS"):
        create_app(make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, "customer"),
                                 extra={"CRM_IMPORT_MAX_ROWS": "0"}))

