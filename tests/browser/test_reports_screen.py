"""Reports (报表) in a real browser: the manager runs a report for one store, sees its figures, downloads its CSV."""
from __future__ import annotations

import csv
import random
import re

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser


def test_the_manager_runs_a_report_for_one_store_and_downloads_its_csv(page, base, admin_api):
    tag = f"{random.randrange(10**6):06d}"
    store = {"id": f"rpt{tag}", "name": f"报表测试店{tag}"}
    assert admin_api.post("/stores", json=store).status_code == 201
    source = f"车展来访{tag}"
    for number in range(3):
        response = eventually(lambda n=number: admin_api.post("/customers", json={
            "name": f"报表客户{tag}{n}", "phone": f"139{random.randrange(10**8):08d}", "kind": "prospect",
            "source": source, "store_id": store["id"]}), lambda answer: answer.status_code == 201)[0]
        assert response.status_code == 201, response.text
    # the reporting service hears of them a moment later
    eventually(lambda: admin_api.get("/reports/prospects", params={"store": store["id"], "format": "csv"}),
               lambda answer: source in answer.text)

    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="报表").click()
    expect(page.get_by_role("heading", name="报表", level=1)).to_be_visible()
    check_screen(page, "reports")

    page.get_by_role("link", name="意向客户（A卡）").click()
    page.get_by_label("门店", exact=True).select_option(label=store["name"])
    page.get_by_role("button", name="生成报表").click()
    row = page.get_by_role("row", name=re.compile(source))
    expect(row).to_contain_text("来店原因")
    expect(row).to_contain_text("3")
    expect(page.get_by_label("门店", exact=True)).to_have_value(store["id"])
    check_screen(page, "report")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 CSV").click()
    assert re.fullmatch(r"prospects-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert ["dimension", "value", "prospects", "converted", "conversion_rate"] in rows
    assert ["source", source, "3", "0", "0.0"] in rows  # only this store's three prospects, none converted yet

    switch_language(page, "English")
    expect(page.get_by_role("heading", name="Prospects (A card)", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(source))).to_contain_text("Reason for visit")
    check_screen(page, "report")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("link", name="Customer value (RFM)")).to_be_visible()
    check_screen(page, "reports")
