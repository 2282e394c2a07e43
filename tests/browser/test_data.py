"""The customer-data tools in the console, as a manager uses them: a file of customers checked first (its two bad
rows shown by line and column), the rest imported while the progress bar climbs to 100 %; two records of one
person compared side by side, merged with a choice for a field they disagree on, and the merge undone; a
customer's personal data downloaded. Every screen is checked in Chinese and in English."""
from __future__ import annotations

import json
import random
import re

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser
PUDONG = {"province": "上海市", "city": "上海市", "district": "浦东新区"}


def phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def test_import_merge_undo_and_personal_data_as_a_manager(page, base, admin_api):
    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password)
    tag = random.randint(100000, 999999)

    # A file with two bad rows: line 3 has no name, line 4 a phone that is not one.
    good = [phone(), phone(), phone()]
    rows = ["name,phone,kind", f"导入客户甲{tag},{good[0]},owner", f",{phone()},owner", f"导入客户乙{tag},12345,owner",
            f"导入客户丙{tag},{good[1]},owner", f"导入客户丁{tag},{good[2]},owner"]
    page.goto(f"{base}/data/imports")
    check_screen(page, "data-imports")
    page.get_by_label("文件内容").select_option(label="客户")
    page.get_by_label("文件（CSV 或 Excel）").set_input_files(files=[{
        "name": f"customers-{tag}.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}])
    page.get_by_role("button", name="预检文件").click()

    errors = page.get_by_role("table", name="被拒绝的行")
    expect(errors).to_be_visible(timeout=30_000)
    expect(errors.get_by_role("row")).to_have_count(3)  # the header and the two bad rows
    expect(errors.get_by_role("row").nth(1)).to_contain_text(re.compile(r"^\s*3\s*name"))
    expect(errors.get_by_role("row").nth(2)).to_contain_text(re.compile(r"^\s*4\s*phone"))
    check_screen(page, "data-import-check")
    assert admin_api.get("/customers", params={"q": f"导入客户甲{tag}"}).json()["total"] == 0  # a dry run writes none

    page.get_by_role("button", name="导入无误的行").click()
    expect(page.get_by_role("heading", name=re.compile("的导入"))).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100", timeout=30_000)
    expect(page.get_by_text(re.compile(r"（100%）"))).to_be_visible()
    expect(page.get_by_role("heading", name="导入结果")).to_be_visible()
    def count(who: str) -> int:
        return admin_api.get("/customers", params={"q": f"导入客户{who}{tag}"}).json()["total"]

    for imported in ("甲", "丙", "丁"):
        eventually(lambda who=imported: count(who))
    assert count("乙") == 0

    # Two records of one person: same name, same district, phones a digit apart.
    name = f"重复客户{tag}"
    first_phone = phone()
    second_phone = first_phone[:-1] + str((int(first_phone[-1]) + 1) % 10)
    ids = []
    for number, notes in ((first_phone, "老客户，喜欢周末来店"), (second_phone, "想换购SUV")):
        made = admin_api.post("/customers", json={"name": name, "phone": number, "kind": "owner",
                                                  "region": PUDONG, "notes": notes})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])

    def detected() -> bool:
        found = admin_api.get(f"/customers/{ids[0]}/duplicates").json()["items"]
        return any(item["customer"]["id"] == ids[1] for item in found)

    eventually(detected)
    page.goto(f"{base}/data/duplicates")
    check_screen(page, "data-duplicates")
    page.goto(f"{base}/data/merges/preview?survivor_id={ids[0]}&merged_id={ids[1]}")
    preview = page.get_by_role("table", name="两份档案不一致的字段")
    notes = preview.get_by_role("row").filter(has_text="想换购SUV")
    expect(notes).to_contain_text("老客户，喜欢周末来店")
    check_screen(page, "data-merge-preview")
    notes.get_by_label("两者都保留").check()
    page.get_by_role("button", name="合并", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已合并")).to_be_visible()
    survivor = admin_api.get(f"/customers/{ids[0]}").json()
    assert "老客户" in survivor["notes"] and "想换购SUV" in survivor["notes"]
    assert any(number.endswith(second_phone) for number in [survivor["phone"], *survivor["phones"]])

    page.get_by_role("button", name="撤销合并").click()
    expect(page.get_by_role("status").filter(has_text="合并已撤销")).to_be_visible()
    assert admin_api.get(f"/customers/{ids[1]}").json()["notes"] == "想换购SUV"
    expect(page.get_by_role("button", name="撤销合并")).to_have_count(0)

    # The customer's personal data, as one file.
    page.goto(f"{base}/data/customers/{ids[0]}/personal-data")
    check_screen(page, "data-personal")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载个人信息").click()
    held = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert json.dumps(held, ensure_ascii=False).count(name) >= 1

    page.goto(f"{base}/data/exports")
    check_screen(page, "data-exports")

    # The same screens in English.
    switch_language(page, "English")
    for path, screen in (("/data/imports", "data-imports"), ("/data/exports", "data-exports"),
                         ("/data/duplicates", "data-duplicates"),
                         (f"/data/merges/preview?survivor_id={ids[0]}&merged_id={ids[1]}", "data-merge-preview"),
                         (f"/data/customers/{ids[0]}/personal-data", "data-personal")):
        page.goto(base + path)
        check_screen(page, screen)
    expect(page.get_by_role("link", name="Download personal data")).to_be_visible()
