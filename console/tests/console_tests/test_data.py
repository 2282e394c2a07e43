"""The customer-data tools against a fake API: an import checked first (its rejected rows by line and column),
then run with its progress; an export passed on as the API made it; duplicates, a merge preview with a choice per
field, merge and undo (refused in words); a customer's personal data exported, and erased only once confirmed."""
from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from console_tests.conftest import sign_in
from console_tests.fakeapi import envelope, problem

IMPORT = "7e1c4d2a-0b5f-4a61-9c3e-5d2f8a1b6c70"
MERGE = "3a9d8c7b-6e5f-4d3c-8b2a-1f0e9d8c7b6a"
ONE = "0d6c2a4e-3b7f-4f0a-b1a4-7a9c2e5d8f10"
TWO = "1e7d3b5f-4c8a-4a1b-92b5-8b0d3f6e9a21"
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def manager_en(app):
    return sign_in(app, "manager", "wang.gm", language="en")


@pytest.fixture
def agent_en(app):
    return sign_in(app, "agent", language="en")


@pytest.fixture
def viewer_en(app):
    return sign_in(app, "viewer", "zhao.kan", language="en")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def job(**changes) -> dict:
    now = iso(datetime.now(UTC))
    base = {"id": IMPORT, "status": "done", "mode": "create", "key": "phone", "dry_run": True, "format": "csv",
            "filename": "customers.csv", "actor": "wang.gm", "rows_total": 5, "rows_done": 5, "created": 3,
            "updated": 0, "unchanged": 0, "failed": 2, "problem": None, "created_at": now, "updated_at": now,
            "finished_at": now}
    base.update(changes)
    return base


def customer(cid: str = ONE, **changes) -> dict:
    base = {"id": cid, "name": "张伟", "phone": "13800001111", "kind": "owner", "stage": "owner", "store_id": "sh01",
            "version": 3, "erased_at": None}
    base.update(changes)
    return base


def multipart_fields(request: httpx.Request) -> dict[str, str]:
    """The plain form fields of a multipart request, and the uploaded file's name and content under `file`."""
    boundary = re.search(r"boundary=(\S+)", request.headers["Content-Type"]).group(1).encode()
    found = {}
    for part in request.content.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if not name:
            continue
        filename = re.search(rb'filename="([^"]+)"', head)
        value = body.rstrip(b"\r\n").decode()
        found[name.group(1).decode()] = f"{filename.group(1).decode()}:{value}" if filename else value
    return found


# -- imports --------------------------------------------------------------------------------------------------

CSV = "name,phone\n张伟,13800001111\n,13800001112\n王芳,123\n".encode()


def test_upload_is_checked_first_then_rejected_rows_show_by_line_and_column(manager_en, fake_api):
    fake_api.on("POST", r"/customers/imports", httpx.Response(202, json=job(status="running", rows_done=0)))
    fake_api.on("GET", rf"/customers/imports/{IMPORT}", job())
    fake_api.on("GET", rf"/customers/imports/{IMPORT}/errors", {
        **envelope([{"line": 3, "column": "name", "message": "Missing data for required field."},
                    {"line": 4, "column": "phone", "message": "Not a valid mainland phone number."}]),
        "failed": 2, "complete": True})
    manager_en.get("/data/imports")
    sent = manager_en.post("/data/imports", {"kind": "customers", "mode": "upsert", "key": "phone",
                                             "file": (io.BytesIO(CSV), "customers.csv")},
                           content_type="multipart/form-data")
    assert sent.status_code == 302
    fields = multipart_fields(fake_api.sent("POST", r"/customers/imports")[-1])
    assert fields["dry_run"] == "true" and fields["mode"] == "upsert"
    assert fields["file"].startswith("customers.csv:name,phone")

    html = manager_en.get(sent.headers["Location"]).get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td><td>([^<]+)</td></tr>", html)
    assert rows == [("3", "name", "Missing data for required field."),
                    ("4", "phone", "Not a valid mainland phone number.")]
    assert "Rejected rows" in html and "Import the rows without errors" in html

    # the real import sends the same file again, not as a dry run, and leads to its progress
    fake_api.on("POST", r"/customers/imports", httpx.Response(202, json=job(
        id="9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", dry_run=False, status="running", rows_done=0)))
    key = re.search(r'name="upload" value="([0-9a-f]+)"', html).group(1)
    ran = manager_en.post("/data/imports/run", {"upload": key, "kind": "customers", "mode": "upsert", "key": "phone"})
    assert ran.status_code == 302 and "9f8e7d6c" in ran.headers["Location"]
    fields = multipart_fields(fake_api.sent("POST", r"/customers/imports")[-1])
    assert fields["dry_run"] == "false" and fields["file"].startswith("customers.csv:name,phone")


def test_a_file_the_api_refuses_says_why_beside_the_file(manager_en, fake_api):
    fake_api.on("POST", r"/customers/imports", problem(422, "Send a .csv or .xlsx file.",
                                                       errors={"file": ["'a.txt' is neither .csv nor .xlsx."]}))
    manager_en.get("/data/imports")
    answer = manager_en.post("/data/imports", {"file": (io.BytesIO(b"x"), "a.txt")},
                             content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert re.search(r'id="f-file-error">[^<]*neither .csv nor .xlsx', html.replace("&#39;", "'"))


def test_vehicle_files_go_to_the_vehicle_import(manager_en, fake_api):
    fake_api.on("POST", r"/customers/vehicles/imports", httpx.Response(202, json=job(mode="vehicles")))
    manager_en.get("/data/imports")
    manager_en.post("/data/imports", {"kind": "vehicles", "key": "phone",
                                      "file": (io.BytesIO(b"phone,plate\n"), "cars.csv")},
                    content_type="multipart/form-data")
    assert multipart_fields(fake_api.sent("POST", r"/customers/vehicles/imports")[-1])["dry_run"] == "true"
    assert not fake_api.sent("POST", r"/customers/imports")


def test_progress_polls_every_second_while_running_and_stops_at_done(manager_en, fake_api):
    fake_api.on("GET", rf"/customers/imports/{IMPORT}", job(dry_run=False, status="running", rows_total=200,
                                                            rows_done=50, failed=0))
    html = manager_en.get(f"/data/imports/{IMPORT}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html and f'hx-get="/data/imports/{IMPORT}/progress"' in html
    assert re.search(r'<progress[^>]*max="100" value="25"', html) and "50 of 200 rows (25%)" in html
    assert "style=" not in html.split("<main", 1)[-1]

    fake_api.on("GET", rf"/customers/imports/{IMPORT}", job(dry_run=False, rows_total=200, rows_done=200,
                                                            failed=0, created=200))
    fragment = manager_en.htmx("GET", f"/data/imports/{IMPORT}/progress")
    text = fragment.get_data(as_text=True)
    assert 'value="100"' in text and "every 1s" not in text and fragment.headers.get("HX-Refresh") == "true"


def test_import_tools_are_absent_for_agents_and_viewers(agent_en, viewer_en, fake_api):
    for browser in (agent_en, viewer_en):
        html = browser.get("/data/imports").get_data(as_text=True)
        assert "Check the file" not in html and 'type="file"' not in html
        assert browser.post("/data/imports", {"file": (io.BytesIO(CSV), "c.csv")},
                            content_type="multipart/form-data").status_code == 403
    assert not fake_api.sent("POST", r"/customers/imports")


# -- exports --------------------------------------------------------------------------------------------------


def test_export_is_passed_on_with_its_type_and_name_and_the_search_filters(manager_en, fake_api):
    fake_api.on("GET", r"/customers/export", httpx.Response(200, content="name,phone\n张伟,13800001111\n".encode(),
                                                            headers={"Content-Type": "text/csv; charset=utf-8",
                                                                     "Content-Disposition": 'attachment; filename='
                                                                     '"customers-20261203-120000.csv"'}))
    answer = manager_en.get("/data/exports/download?q=张&stage=owner&store_id=sh01&format=csv&what=customers")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="customers-20261203-120000.csv"'
    assert answer.get_data(as_text=True) == "name,phone\n张伟,13800001111\n"
    params = fake_api.sent("GET", r"/customers/export")[-1].url.params
    assert (params["q"], params["stage"], params["store_id"], params["format"]) == ("张", "owner", "sh01", "csv")


def test_vehicle_export_in_excel(manager_en, fake_api):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    fake_api.on("GET", r"/customers/vehicles/export", httpx.Response(200, content=b"PK\x03\x04", headers={
        "Content-Type": xlsx, "Content-Disposition": 'attachment; filename="vehicles-1.xlsx"'}))
    answer = manager_en.get("/data/exports/download?format=xlsx&what=vehicles")
    assert answer.headers["Content-Type"] == xlsx and answer.data == b"PK\x03\x04"
    assert 'vehicles-1.xlsx' in answer.headers["Content-Disposition"]


def test_export_form_offers_the_customer_filters(manager_en, fake_api):
    fake_api.on("GET", r"/stores", envelope([{"id": "sh01", "name": "上海浦东店"}]))
    html = manager_en.get("/data/exports").get_data(as_text=True)
    for label in ("Name, phone, plate or VIN", "Stage", "Store", "File format", "What to export"):
        assert f">{label}" in html
    assert "上海浦东店" in html and ">Download the file</button>" in html


# -- duplicates and merges ------------------------------------------------------------------------------------


def test_duplicates_show_both_customers_score_and_evidence_in_words(manager_en, fake_api):
    fake_api.on("GET", r"/customers/duplicates", envelope([{
        "customers": [customer(), customer(TWO, name=EVIL, phone="13800001112")], "score": 0.7,
        "reasons": ["same_name", "same_pinyin_same_region"]}], total=41))
    html = manager_en.get("/data/duplicates").get_data(as_text=True)
    assert "张伟" in html and "&lt;img src=x onerror=alert(1)&gt;" in html and EVIL not in html
    assert "70%" in html and "Same name" in html and "Same pinyin, same region" in html
    assert f"/data/merges/preview?survivor_id={ONE}&amp;merged_id={TWO}" in html
    assert "Page 1 of 3" in html


def preview_routes(fake_api):
    fake_api.on("POST", r"/customers/merges/preview", {
        "merge_id": None, "dry_run": True, "survivor": customer(), "merged_id": TWO, "undo_until": None,
        "conflicts": {"email": {"survivor": None, "merged": "zw@example.cn", "kept": "merged"},
                      "notes": {"survivor": "老客户", "merged": "想换车", "kept": "survivor"}},
        "moved": {"assets": 1, "visits": 4, "points_ledger": 2, "consent_records": 0}})
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    fake_api.on("GET", rf"/customers/{TWO}", customer(TWO, name="章伟"))


def test_preview_shows_each_conflict_side_by_side_and_sends_the_chosen_side(manager_en, fake_api):
    preview_routes(fake_api)
    html = manager_en.get(f"/data/merges/preview?survivor_id={ONE}&merged_id={TWO}").get_data(as_text=True)
    assert fake_api.body("POST", r"/customers/merges/preview") == {"survivor_id": ONE, "merged_id": TWO,
                                                                  "choices": {}}
    assert "zw@example.cn" in html and "老客户" in html and "想换车" in html and "章伟" in html
    assert re.search(r'id="choice-email-merged"[^>]*checked', html)
    assert 'id="choice-notes-both"' in html and 'id="choice-email-both"' not in html  # both only where it joins
    assert "Vehicles: 1" in html and "Points entries: 2" in html and "Consent records: 0" in html
    assert ">Merge</button>" in html

    fake_api.on("POST", r"/customers/merges", httpx.Response(201, json={"merge_id": MERGE}))
    done = manager_en.post("/data/merges", {"survivor_id": ONE, "merged_id": TWO, "choice-email": "survivor",
                                            "choice-notes": "both"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/data/merges/{MERGE}")
    assert fake_api.body("POST", r"/customers/merges") == {
        "survivor_id": ONE, "merged_id": TWO, "choices": {"email": "survivor", "notes": "both"}}


def test_merge_button_absent_for_an_agent_and_refused(agent_en, fake_api):
    preview_routes(fake_api)
    html = agent_en.get(f"/data/merges/preview?survivor_id={ONE}&merged_id={TWO}").get_data(as_text=True)
    assert "zw@example.cn" in html and ">Merge</button>" not in html
    assert 'method="post"' not in html.split("<main", 1)[-1]  # only the preview, which reads
    assert agent_en.post("/data/merges", {"survivor_id": ONE, "merged_id": TWO}).status_code == 403
    assert not fake_api.sent("POST", r"/customers/merges")


def merge_record(**changes) -> dict:
    now = datetime.now(UTC)
    base = {"id": MERGE, "survivor_id": ONE, "merged_id": TWO, "actor": "wang.gm", "merged_at": iso(now),
            "undo_until": iso(now + timedelta(days=7)), "choices": {}, "moved": {"assets": 1},
            "undone_at": None, "undone_by": None}
    base.update(changes)
    return base


def test_merge_page_undoes_and_says_in_words_why_an_undo_is_refused(manager_en, fake_api):
    fake_api.on("GET", rf"/customers/merges/{MERGE}", merge_record())
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    html = manager_en.get(f"/data/merges/{MERGE}").get_data(as_text=True)
    assert ">Undo the merge</button>" in html and "张伟" in html

    fake_api.on("POST", rf"/customers/merges/{MERGE}/undo", problem(
        409, "The survivor changed since the merge: undo it by hand."))
    refused = manager_en.post(f"/data/merges/{MERGE}/undo")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "The merge could not be undone:" in text and "The survivor changed since the merge" in text

    fake_api.on("POST", rf"/customers/merges/{MERGE}/undo", merge_record(undone_at=iso(datetime.now(UTC))))
    assert manager_en.post(f"/data/merges/{MERGE}/undo").status_code == 302


def test_no_undo_once_its_time_is_over_or_for_a_viewer(manager_en, viewer_en, fake_api):
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    fake_api.on("GET", rf"/customers/merges/{MERGE}", merge_record(
        undo_until=iso(datetime.now(UTC) - timedelta(hours=1))))
    html = manager_en.get(f"/data/merges/{MERGE}").get_data(as_text=True)
    assert "Undo the merge" not in html and "The time to undo this merge is over." in html
    fake_api.on("GET", rf"/customers/merges/{MERGE}", merge_record())
    assert "Undo the merge" not in viewer_en.get(f"/data/merges/{MERGE}").get_data(as_text=True)
    assert viewer_en.post(f"/data/merges/{MERGE}/undo").status_code == 403


# -- personal data --------------------------------------------------------------------------------------------


def test_personal_data_download_is_a_json_attachment(manager_en, fake_api):
    document = {"customer_id": ONE, "customer": customer(), "assets": [], "complaints": []}
    fake_api.on("GET", rf"/customers/{ONE}/personal-data", document)
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    assert "Download personal data" in manager_en.get(f"/data/customers/{ONE}/personal-data").get_data(as_text=True)
    answer = manager_en.get(f"/data/customers/{ONE}/personal-data/download")
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Disposition"].startswith(f'attachment; filename="personal-data-{ONE}')
    assert json.loads(answer.data) == document


def test_erasure_names_what_goes_and_needs_the_customer_name_typed(manager_en, fake_api):
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    fake_api.on("POST", rf"/customers/{ONE}/erasure", customer(name="[erased]"))
    html = manager_en.get(f"/data/customers/{ONE}/erasure").get_data(as_text=True)
    assert "Name, phone numbers, email, address, birthday and gender" in html
    assert re.search(r"Type the customer(&#39;|')s name to confirm: 张伟", html)

    wrong = manager_en.post(f"/data/customers/{ONE}/erasure", {"confirm_name": "张"})
    assert wrong.status_code == 422
    assert re.search(r'id="f-confirm_name-error">Type the customer(&#39;|\')s name exactly',
                     wrong.get_data(as_text=True))
    assert not fake_api.sent("POST", rf"/customers/{ONE}/erasure")

    done = manager_en.post(f"/data/customers/{ONE}/erasure", {"confirm_name": "张伟"})
    assert done.status_code == 302 and len(fake_api.sent("POST", rf"/customers/{ONE}/erasure")) == 1


def test_erasure_already_done_is_said_in_words(manager_en, fake_api):
    fake_api.on("GET", rf"/customers/{ONE}", customer())
    fake_api.on("POST", rf"/customers/{ONE}/erasure", problem(409, "The customer was already erased."))
    manager_en.get(f"/data/customers/{ONE}/erasure")
    answer = manager_en.post(f"/data/customers/{ONE}/erasure", {"confirm_name": "张伟"})
    assert answer.status_code == 409 and "The customer was already erased." in answer.get_data(as_text=True)


def test_personal_data_actions_absent_for_agents_and_viewers(agent_en, viewer_en, fake_api):
    fake_api.on("GET", rf"/customers/{ONE}", customer(name=EVIL))
    for browser in (agent_en, viewer_en):
        html = browser.get(f"/data/customers/{ONE}/personal-data").get_data(as_text=True)
        assert "Download personal data" not in html and "Erase personal data" not in html
        assert "&lt;img src=x" in html and EVIL not in html
        assert browser.get(f"/data/customers/{ONE}/erasure").status_code == 403
        assert browser.post(f"/data/customers/{ONE}/erasure", {"confirm_name": EVIL}).status_code == 403
    assert not fake_api.sent("POST", rf"/customers/{ONE}/erasure")


def test_duplicates_unavailable_is_said(manager_en, fake_api):
    fake_api.on("GET", r"/customers/duplicates", problem(503, "down", service="customer"))
    html = manager_en.get("/data/duplicates").get_data(as_text=True)
    assert "The customer archive is unavailable right now" in html


def test_the_tools_speak_chinese(manager, fake_api):
    html = manager.get("/data/imports").get_data(as_text=True)
    assert "预检文件" in html and "仅新建客户" in html and "文件（CSV 或 Excel）" in html
    fake_api.on("GET", r"/customers/duplicates", envelope([{
        "customers": [customer(), customer(TWO, name="章伟")], "score": 0.45, "reasons": ["same_pinyin_same_region"]}]))
    html = manager.get("/data/duplicates").get_data(as_text=True)
    assert "拼音相同且同地区" in html and "45%" in html and ">对比<" in html
