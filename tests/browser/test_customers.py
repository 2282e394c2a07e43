"""The customers screens as a person uses them: a new customer through the form, the customer 360 (a vehicle,
a delivery that plans the 3-day callback), an edit that meets a colleague's, a phone already in the archive, a
customer whose name is markup, and what each role may do."""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


def unique_mobile() -> str:
    """A mainland mobile number no other test uses."""
    return f"137{random.randrange(10**8):08d}"


def unique_plate() -> str:
    return f"粤B{random.randrange(10**5):05d}"


def customer(admin_api, **fields) -> dict:
    """A customer made through the API (owned by the agent once the customer service has heard of them)."""
    body = {"name": "刘晓东", "phone": unique_mobile(), "kind": "prospect", **fields}
    made, _ = eventually(lambda: admin_api.post("/customers", json=body), lambda answer: answer.status_code != 422)
    assert made.status_code == 201, made.text
    return made.json()


def agent_in(page, base, english: bool = False) -> None:
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password, english=english)


def test_a_new_customer_through_the_form_then_a_vehicle_and_its_delivery_plan_the_3_day_callback(
        page, base, admin_api):
    customer(admin_api, owner="li.si")  # the customer service knows the agent by now
    phone = unique_mobile()
    plate = unique_plate()
    agent_in(page, base)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="客户").click()
    check_screen(page, "customers")
    page.get_by_role("link", name="新建客户").click()
    page.get_by_role("textbox", name="姓名", exact=True).fill("陈静怡")
    page.get_by_role("textbox", name="电话", exact=True).fill(f"{phone[:3]} {phone[3:7]} {phone[7:]}")
    page.get_by_role("textbox", name="电话", exact=True).blur()
    expect(page.get_by_text(f"将保存为 +86{phone}")).to_be_visible()
    page.get_by_label("客户类型").select_option("prospect")
    page.get_by_label("意向级别").select_option("A")
    page.get_by_label("意向车型").fill("海豹")
    page.get_by_label("标签", exact=True).fill("试驾过, 老客户介绍")
    page.get_by_label("同意短信联系").check()
    check_screen(page, "customer-new")
    page.get_by_role("button", name="建档").click()

    expect(page.get_by_role("heading", level=1, name="陈静怡")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="客户 陈静怡 已建档")).to_be_visible()
    customer_id = page.url.rsplit("/", 1)[-1]

    page.locator("summary").filter(has_text="登记车辆").click()
    page.get_by_label("车型", exact=True).fill("海豹")
    page.get_by_label("车牌").fill(plate)
    page.get_by_role("button", name="保存车辆").click()
    expect(page.get_by_role("status").filter(has_text="车辆已登记")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name=re.compile(plate[-5:]))).to_be_visible()

    page.locator("summary").filter(has_text="登记到访").click()
    page.get_by_label("到访类型").select_option("delivery")
    expect(page.get_by_label("服务类型")).to_be_hidden()  # a delivery has no service details
    page.get_by_role("combobox", name="车辆", exact=True).select_option(index=1)
    page.get_by_role("button", name="保存到访记录").click()
    expect(page.get_by_role("status").filter(has_text="交车已记录")).to_be_visible()
    # the delivery made the prospect an owner
    expect(page.locator("h1 ~ .badge").filter(has_text="保有客户")).to_have_count(1)
    expect(page.locator("h1 ~ .badge").filter(has_text="已购车")).to_be_visible()

    # a maintenance on the same car, with its odometer and amount
    page.locator("summary").filter(has_text="登记到访").click()
    page.get_by_label("到访类型").select_option("service")
    page.get_by_role("combobox", name="车辆", exact=True).select_option(index=1)
    page.get_by_label("服务类型").select_option("maintenance")
    page.get_by_role("spinbutton", name="里程（公里）").fill("1500")
    page.get_by_role("spinbutton", name="金额（元）").fill("680")
    page.get_by_role("button", name="保存到访记录").click()
    expect(page.get_by_role("status").filter(has_text="维修保养已记录")).to_be_visible()
    expect(page.get_by_role("table", name="里程记录").get_by_role("cell", name="1500", exact=True)).to_be_visible()

    # the reminder service plans the callback three days after the delivery
    today = datetime.now(SHANGHAI).date()
    planned, _ = eventually(lambda: admin_api.get("/reminders", params={
        "customer_id": customer_id, "rule": "delivery_callback_3d"}).json()["items"])
    assert date.fromisoformat(planned[0]["due_at"][:10]) in (today + timedelta(days=3), today + timedelta(days=2))
    page.reload()
    timeline = page.get_by_role("list", name="客户动态，最新在前")
    expect(timeline.get_by_text("交车回访：已计划").first).to_be_visible()
    check_screen(page, "customer-360")
    switch_language(page, "English")
    timeline = page.get_by_role("list", name="Timeline, newest first")
    expect(timeline.get_by_text("Delivery callback: Planned").first).to_be_visible()
    check_screen(page, "customer-360")
    page.goto(f"{base}/customers/new")
    check_screen(page, "customer-new")
    page.goto(f"{base}/customers?kind=owner")
    check_screen(page, "customers")


def test_an_edit_on_a_stale_version_shows_what_changed_and_can_be_saved_again(page, base, admin_api):
    made = customer(admin_api, name="周晓岚", wanted_model="汉 EV")
    agent_in(page, base)
    page.goto(f"{base}/customers/{made['id']}")
    page.get_by_role("link", name="编辑资料").click()
    # a colleague saves the customer while the form is open
    changed = admin_api.patch(f"/customers/{made['id']}", json={"wanted_model": "唐 DM-i"},
                              headers={"If-Match": f'"{made["version"]}"'})
    assert changed.status_code == 200, changed.text
    page.get_by_label("意向车型").fill("海豹")
    page.get_by_label("备注").fill("周末来店试驾")
    page.get_by_role("button", name="保存资料").click()

    alert = page.get_by_role("alert").filter(has_text="有人在您打开表单后保存了此客户")
    expect(alert).to_be_visible()
    row = alert.get_by_role("row").filter(has_text="意向车型")
    expect(row).to_contain_text("海豹")
    expect(row).to_contain_text("唐 DM-i")
    expect(page.get_by_label("意向车型")).to_have_value("海豹")
    page.get_by_role("button", name="再次保存").click()
    expect(page.get_by_role("status").filter(has_text="资料已保存")).to_be_visible()
    now = admin_api.get(f"/customers/{made['id']}").json()
    assert (now["wanted_model"], now["notes"]) == ("海豹", "周末来店试驾")


def test_a_new_customer_with_a_phone_already_in_the_archive_shows_that_customer(page, base, admin_api):
    known = customer(admin_api, name="孙浩然")
    phone = known["phone"].removeprefix("+86")
    agent_in(page, base)
    page.goto(f"{base}/customers/new")
    page.get_by_role("textbox", name="姓名", exact=True).fill("孙浩")
    page.get_by_role("textbox", name="电话", exact=True).fill(f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}")
    expect(page.locator("#phone-normalised").get_by_role("link", name="孙浩然")).to_be_visible()
    page.get_by_label("负责顾问").select_option("")
    page.get_by_role("button", name="建档").click()
    alert = page.get_by_role("alert").filter(has_text="该电话号码已在客户档案中")
    expect(alert).to_be_visible()
    expect(alert).not_to_contain_text("409")
    alert.get_by_role("link", name="孙浩然").click()
    expect(page.get_by_role("heading", level=1, name="孙浩然")).to_be_visible()


def test_a_name_that_is_markup_shows_as_text_and_runs_nothing(page, base, admin_api):
    hostile = "<img src=x onerror=alert(1)>"
    made = customer(admin_api, name=hostile, notes=hostile, tags=[hostile])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    agent_in(page, base)
    page.goto(f"{base}/customers/{made['id']}")
    expect(page.get_by_role("heading", level=1, name=hostile)).to_be_visible()
    page.goto(f"{base}/search?q={made['phone'][-8:]}")
    expect(page.locator("main").get_by_role("link", name=hostile)).to_be_visible()
    page.goto(f"{base}/customers/{made['id']}/edit")
    expect(page.get_by_role("textbox", name="姓名", exact=True)).to_have_value(hostile)
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def test_what_each_role_may_do_on_the_360(page, base, admin_api):
    made = customer(admin_api, name="吴思远")
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password, english=True)
    page.goto(f"{base}/customers/{made['id']}")
    expect(page.get_by_role("heading", level=1, name="吴思远")).to_be_visible()
    for action in ("Edit profile", "Book an appointment", "File a complaint"):
        expect(page.get_by_role("link", name=action)).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)
    page.goto(f"{base}/customers")
    expect(page.get_by_role("link", name="New customer")).to_have_count(0)



def test_a_manager_marks_a_key_customer_and_sets_a_credit_limit(page, base, admin_api):
    made = customer(admin_api, name="郑国强")
    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password, english=True)
    page.goto(f"{base}/customers/{made['id']}")
    page.locator("summary").filter(has_text="Key customer, blacklist and credit limit").click()
    page.get_by_label("Key customer", exact=True).check()
    page.get_by_label("Credit limit (yuan)").fill("50000")
    page.get_by_role("button", name="Save key customer, blacklist and credit limit").click()
    expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    expect(page.locator("h1 ~ .badge").filter(has_text="Key customer")).to_be_visible()
    assert admin_api.get(f"/customers/{made['id']}").json()["key_customer"] is True
