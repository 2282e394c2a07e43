"""The customers screens against a fake API: the list, a new customer, the customer 360 and its actions."""
from __future__ import annotations

import json

import httpx

from console_tests.fakeapi import envelope, problem

CID = "0190a3c4-0000-7000-8000-000000000001"
VID = "0190a3c4-0000-7000-8000-0000000000a1"
CUSTOMER = {
    "id": CID, "version": 3, "name": "张伟明", "phone": "+8613800138000", "phones": [], "kind": "prospect",
    "stage": "prospect", "intent_grade": "A", "wanted_model": "汉 EV", "tier": "silver", "points_balance": 1200,
    "owner": "li.si", "deputy_owner": "wang.gm", "tags": ["置换意向"], "key_customer": False, "blacklisted": False,
    "blacklist_reason": None, "credit_limit": None, "consent": {"sms": True, "phone": True, "email": False,
                                                                 "wechat": False},
    "quiet_hours": {"start": "21:00", "end": "08:00"}, "store_id": "sz01", "source": "到店", "email": None,
    "notes": None, "created_at": "2026-11-01T02:00:00+00:00", "updated_at": "2026-11-01T02:00:00+00:00",
}
VEHICLE = {"id": VID, "customer_id": CID, "kind": "vehicle", "model": "汉 EV", "plate": "粤B·12345",
           "vin": "LGXCE4CB0N0123456", "delivered_on": "2026-06-01", "odometer_km": 8200,
           "created_at": "2026-06-01T02:00:00+00:00"}



def archive(fake_api, customer=None, **parts):
    """The fake API answering every call the 360 page makes (a part given as a Response replaces its answer)."""
    customer = customer or CUSTOMER
    answers = {
        "customer": customer,
        "assets": envelope([VEHICLE]),
        "odometer": envelope([{"km": 8200, "read_on": "2026-11-20", "visit_id": None,
                               "recorded_at": "2026-11-20T02:00:00+00:00", "source": "visit"}]),
        "visits": envelope([{"id": "v1", "customer_id": CID, "kind": "service", "occurred_at": "2026-11-20T02:00:00Z",
                             "asset_id": VID, "details": {"service_type": "maintenance", "odometer_km": 8200,
                                                          "amount": "680.00"}, "recorded_by": "li.si",
                             "created_at": "2026-11-20T02:00:00Z"}]),
        "complaints": envelope([{"id": "c1", "customer_id": CID, "status": "in_progress", "severity": "serious",
                                 "category": "service", "description": "等待时间太长",
                                 "filed_at": "2026-11-25T03:00:00Z"}]),
        "reminders": envelope([{"id": "r1", "rule_kind": "delivery_callback", "status": "done", "asset_id": VID,
                                "due_at": "2026-06-04T01:00:00Z", "completed_at": "2026-06-04T03:00:00Z",
                                "reason": "x", "reason_text": "交车3天回访"}]),
        "maintenance": envelope([{"id": "r2", "rule_kind": "next_maintenance", "status": "scheduled",
                                  "asset_id": VID, "due_at": "2027-05-20T01:00:00Z", "reason": "r",
                                  "reason_text": "按每月约1200公里，预计2027年5月达到13200公里"}]),
        "appointments": envelope([{"id": "a1", "customer_id": CID, "purpose": "maintenance", "status": "booked",
                                   "scheduled_at": "2026-12-10T02:00:00Z", "vehicle": {"label": "粤B·12345"}}]),
        "points": {**envelope([{"id": 1, "at": "2026-11-20T02:05:00Z", "kind": "earn", "points": 680,
                                "reason": "保养消费", "actor": "li.si"}]), "customer_id": CID, "balance": 1200,
                   "tier": "silver"},
        "history": envelope([{"at": "2026-11-01T02:00:00Z", "actor": "li.si", "action": "created",
                              "changes": {"name": [None, "张伟明"], "wanted_model": [None, "汉 EV"]}}]),
    }
    answers.update(parts)

    def answer(name):
        value = answers[name]
        return value if isinstance(value, httpx.Response) else httpx.Response(200, json=value)

    def reminders(request):
        kind = request.url.params.get("rule_kind")
        if kind == "next_maintenance":
            return answer("maintenance")
        if kind == "first_maintenance":
            return httpx.Response(200, json=envelope([]))
        return answer("reminders")

    fake_api.on("GET", f"/customers/{CID}", lambda request: answer("customer"))
    fake_api.on("GET", f"/customers/{CID}/assets", lambda request: answer("assets"))
    fake_api.on("GET", f"/customers/{CID}/assets/{VID}/odometer", lambda request: answer("odometer"))
    fake_api.on("GET", f"/customers/{CID}/visits", lambda request: answer("visits"))
    fake_api.on("GET", "/complaints", lambda request: answer("complaints"))
    fake_api.on("GET", "/reminders", reminders)
    fake_api.on("GET", "/appointments", lambda request: answer("appointments"))
    fake_api.on("GET", f"/customers/{CID}/points", lambda request: answer("points"))
    fake_api.on("GET", f"/customers/{CID}/history", lambda request: answer("history"))
    return fake_api


# ------------------------------------------------------------------------------------------------ the list

def test_the_list_shows_rows_and_sends_the_filters_to_the_api(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([CUSTOMER], total=41, page_number=2))
    fake_api.on("GET", "/stores", envelope([{"id": "sz01", "name": "深圳福田店"}]))
    html = agent.get("/customers?kind=prospect&stage=prospect&owner=li.si&store_id=sz01&tag=置换意向&page=2") \
        .get_data(as_text=True)
    sent = fake_api.sent("GET", "/customers")[-1].url.params
    assert (sent["kind"], sent["stage"], sent["owner"], sent["store_id"], sent["tag"], sent["page"]) == (
        "prospect", "prospect", "li.si", "sz01", "置换意向", "2")
    assert "张伟明" in html and "深圳福田店" in html and "银卡会员" in html
    assert "第 2 / 3 页" in html
    assert "新建客户" in html


def test_the_list_has_no_new_customer_action_for_a_viewer(viewer, fake_api):
    fake_api.on("GET", "/customers", envelope([CUSTOMER]))
    fake_api.on("GET", "/stores", envelope([]))
    html = viewer.get("/customers").get_data(as_text=True)
    assert "张伟明" in html and "新建客户" not in html
    page = viewer.get("/customers/new")
    assert page.status_code == 200 and "您的角色可以查看客户，但不能新建客户" in page.get_data(as_text=True)
    assert 'method="post" action="/customers/new"' not in page.get_data(as_text=True)


def test_a_refused_filter_is_shown_beside_it(agent, fake_api):
    fake_api.on("GET", "/customers", problem(422, "bad", errors={"owner": ["Longer than maximum length 100."]}))
    fake_api.on("GET", "/stores", envelope([]))
    response = agent.get("/customers?owner=" + "x" * 120)
    assert 'id="f-owner-error"' in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ new customer

def choices(fake_api):
    fake_api.on("GET", "/users", [{"username": "li.si", "display_name": "李四", "role": "agent", "active": True}])
    fake_api.on("GET", "/stores", envelope([{"id": "sz01", "name": "深圳福田店"}]))


def test_a_new_customer_is_created_and_the_person_lands_on_its_profile(agent, fake_api):
    choices(fake_api)
    fake_api.on("POST", "/customers", httpx.Response(201, json=CUSTOMER))
    form = agent.get("/customers/new").get_data(as_text=True)
    assert "李四 (li.si)" in form and "深圳福田店" in form
    assert 'hx-get="/customers/phone" hx-trigger="input changed delay:400ms, blur"' in form
    response = agent.post("/customers/new", {"name": "张伟明", "phone": "138 0013 8000", "kind": "prospect",
                                             "intent_grade": "A", "wanted_model": "汉 EV", "owner": "li.si",
                                             "store_id": "sz01", "tags": "置换意向, 老客户介绍", "consent.sms": "on"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{CID}")
    body = fake_api.body("POST", "/customers")
    assert body["name"] == "张伟明" and body["intent_grade"] == "A" and body["tags"] == ["置换意向", "老客户介绍"]
    assert body["consent"] == {"sms": True, "phone": False, "email": False, "wechat": False}


def test_an_owner_is_sent_without_a_prospects_grade(agent, fake_api):
    choices(fake_api)
    fake_api.on("POST", "/customers", httpx.Response(201, json=CUSTOMER))
    agent.post("/customers/new", {"name": "王五", "phone": "13900139000", "kind": "owner", "intent_grade": "A"})
    assert "intent_grade" not in fake_api.body("POST", "/customers")


def test_a_phone_already_in_the_archive_shows_that_customer_with_a_link(agent, fake_api):
    choices(fake_api)
    fake_api.on("POST", "/customers", problem(409, f"The phone +8613800138000 already belongs to customer {CID}.",
                                              phone="+8613800138000", existing_customer_id=CID))
    fake_api.on("GET", f"/customers/{CID}", CUSTOMER)
    response = agent.post("/customers/new", {"name": "张伟", "phone": "13800138000", "kind": "prospect"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'href="/customers/{CID}"' in html and "张伟明" in html and "已在客户档案中" in html
    assert "409" not in html


def test_the_apis_422_messages_sit_beside_their_fields(agent, fake_api):
    choices(fake_api)
    fake_api.on("POST", "/customers", problem(422, "invalid", errors={"phone": ["'12' is not a valid phone number."],
                                                                      "name": ["Must not be blank."]}))
    response = agent.post("/customers/new", {"name": " ", "phone": "12", "kind": "prospect"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-phone-error">&#39;12&#39; is not a valid phone number.' in html
    assert 'id="f-name-error">Must not be blank.' in html


def test_the_phone_is_normalised_as_it_is_typed_and_a_known_one_named(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([]))
    html = agent.htmx("GET", "/customers/phone?phone=138 0013 8000").get_data(as_text=True)
    assert "+8613800138000" in html and "已在客户档案中" not in html
    assert fake_api.sent("GET", "/customers")[-1].url.params["phone"] == "+8613800138000"
    fake_api.on("GET", "/customers", envelope([CUSTOMER]))
    html = agent.htmx("GET", "/customers/phone?phone=+86 138-0013-8000").get_data(as_text=True)
    assert "已在客户档案中" in html and f'href="/customers/{CID}"' in html
    assert "不是有效的电话号码" in agent.htmx("GET", "/customers/phone?phone=12345").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ customer 360

def test_the_360_shows_the_profile_vehicles_and_one_timeline_newest_first(agent, fake_api):
    archive(fake_api)
    html = agent.get(f"/customers/{CID}").get_data(as_text=True)
    for shown in ("张伟明", "意向客户", "汉 EV", "银卡会员", "1200", "li.si", "wang.gm", "置换意向", "21:00",
                  "粤B·12345", "8200", "按每月约1200公里"):
        assert shown in html, shown
    timeline = html[html.index('class="timeline"'):]
    assert "li.si · 姓名、意向车型" in timeline
    newest_first = ("预约：保养", "投诉：处理中", "积分获得", "维修保养", "客户建档", "交车回访：已完成")
    order = [timeline.index(text) for text in newest_first]
    assert order == sorted(order)
    assert f"/appointments/new?customer_id={CID}" in html and f"/complaints/new?customer_id={CID}" in html
    # reminders and appointments come soonest first: the timeline asks for the recent and coming ones
    timeline_reminders = [call for call in fake_api.sent("GET", "/reminders") if "rule_kind" not in call.url.params]
    assert "due_from" in timeline_reminders[-1].url.params
    assert "from" in fake_api.sent("GET", "/appointments")[-1].url.params


def test_one_service_down_leaves_its_part_unavailable_and_the_rest_renders(agent, fake_api):
    archive(fake_api, complaints=problem(503, "down", service="complaint"))
    response = agent.get(f"/customers/{CID}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "投诉服务暂时不可用" in html
    assert "张伟明" in html and "粤B·12345" in html and "预约：保养" in html


def test_the_timeline_links_to_more_of_a_part(agent, fake_api):
    archive(fake_api, visits=envelope([], total=57, page_size=10))
    html = agent.get(f"/customers/{CID}").get_data(as_text=True)
    assert f"/customers/{CID}?only=visits&amp;page=2" in html
    archive(fake_api, visits=envelope([], total=57, page_number=2))
    html = agent.get(f"/customers/{CID}?only=visits&page=2").get_data(as_text=True)
    sent = fake_api.sent("GET", f"/customers/{CID}/visits")[-1].url.params
    assert sent["page"] == "2" and not fake_api.sent("GET", f"/customers/{CID}/history")[1:]
    assert "第 2 / 3 页" in html


def test_a_viewer_finds_no_write_action(viewer, fake_api):
    archive(fake_api)
    html = viewer.get(f"/customers/{CID}").get_data(as_text=True)
    actions = ("编辑资料", "登记到访", "登记车辆", "积分兑换", "预约到店", "登记投诉", "重点客户、黑名单和信用额度")
    for action in actions:
        assert f">{action}<" not in html, action
    assert "<form method=\"post\" action=\"/customers/" not in html


def test_key_customer_blacklist_and_credit_limit_are_for_managers_only(agent, manager, fake_api):
    archive(fake_api)
    assert "保存重点客户、黑名单和信用额度" not in agent.get(f"/customers/{CID}").get_data(as_text=True)
    html = manager.get(f"/customers/{CID}").get_data(as_text=True)
    assert "保存重点客户、黑名单和信用额度" in html and 'step="0.01" min="0"' in html
    fake_api.on("PATCH", f"/customers/{CID}", CUSTOMER)
    response = manager.post(f"/customers/{CID}/lists", {"version": "3", "key_customer": "on", "blacklisted": "on",
                                                        "blacklist_reason": "恶意拖欠", "credit_limit": "50000"})
    assert response.status_code == 302
    sent = fake_api.sent("PATCH", f"/customers/{CID}")[-1]
    assert sent.headers["If-Match"] == '"3"'
    assert json.loads(sent.content) == {"key_customer": True, "blacklisted": True, "blacklist_reason": "恶意拖欠",
                                        "credit_limit": "50000"}


def test_the_apis_403_is_shown_when_reached(agent, fake_api):
    archive(fake_api)
    fake_api.on("PATCH", f"/customers/{CID}", problem(403, "Only managers may set key_customer."))
    response = agent.post(f"/customers/{CID}/lists", {"version": "3", "key_customer": "on"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "您没有权限执行此操作。" in html and "Only managers may set key_customer." in html


def test_a_service_visit_is_recorded_with_vehicle_odometer_and_amount(agent, fake_api):
    archive(fake_api)
    fake_api.on("POST", f"/customers/{CID}/visits", httpx.Response(201, json={"id": "v2"}))
    response = agent.post(f"/customers/{CID}/visits", {
        "kind": "service", "asset_id": VID, "service_type": "maintenance", "odometer_km": "13200",
        "amount": "880.00", "occurred_at": "2026-12-01T10:30", "channel": "", "notes": ""})
    assert response.status_code == 302
    assert fake_api.body("POST", f"/customers/{CID}/visits") == {
        "kind": "service", "asset_id": VID, "service_type": "maintenance", "odometer_km": 13200,
        "amount": "880.00", "occurred_at": "2026-12-01T10:30:00+08:00"}
    assert "维修保养已记录" in agent.get(f"/customers/{CID}").get_data(as_text=True)


def test_a_callback_and_a_delivery_are_recorded(agent, fake_api):
    archive(fake_api)
    fake_api.on("POST", f"/customers/{CID}/visits", httpx.Response(201, json={"id": "v3"}))
    agent.post(f"/customers/{CID}/visits", {"kind": "callback", "channel": "phone", "satisfaction": "satisfied"})
    assert fake_api.body("POST", f"/customers/{CID}/visits") == {"kind": "callback", "channel": "phone",
                                                                 "satisfaction": "satisfied"}
    agent.post(f"/customers/{CID}/visits", {"kind": "delivery", "asset_id": VID})
    assert fake_api.body("POST", f"/customers/{CID}/visits") == {"kind": "delivery", "asset_id": VID}


def test_a_refused_visit_reopens_its_form_with_the_messages_beside_the_fields(agent, fake_api):
    archive(fake_api)
    fake_api.on("POST", f"/customers/{CID}/visits", problem(
        422, "invalid", errors={"satisfaction": ["A callback visit needs satisfaction."]}))
    response = agent.post(f"/customers/{CID}/visits", {"kind": "callback", "channel": "phone", "notes": "已回访"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="visit-satisfaction-error">A callback visit needs satisfaction.' in html
    assert "已回访</textarea>" in html and "<details class=\"card mb-2 action\" open>" in html


def test_a_vehicle_is_registered_and_points_redeemed(agent, fake_api):
    archive(fake_api)
    fake_api.on("POST", f"/customers/{CID}/assets", httpx.Response(201, json=VEHICLE))
    fake_api.on("POST", f"/customers/{CID}/points/redemptions", problem(
        409, "The customer has 1200 points, fewer than 5000.", balance=1200))
    agent.post(f"/customers/{CID}/vehicles", {"model": "汉 EV", "plate": "粤B·12345", "vin": "",
                                              "delivered_on": "2026-12-01", "odometer_km": "12"})
    assert fake_api.body("POST", f"/customers/{CID}/assets") == {
        "kind": "vehicle", "model": "汉 EV", "plate": "粤B·12345", "delivered_on": "2026-12-01", "odometer_km": 12}
    response = agent.post(f"/customers/{CID}/redemptions", {"points": "5000", "reason": "保养抵扣"})
    assert response.status_code == 409
    assert "无法完成：" in response.get_data(as_text=True) and "fewer than 5000" in response.get_data(as_text=True)


def test_a_name_with_markup_is_shown_as_text_everywhere(agent, fake_api):
    hostile = "<img src=x onerror=alert(1)>"
    archive(fake_api, customer={**CUSTOMER, "name": hostile, "notes": hostile, "tags": [hostile]})
    fake_api.on("GET", "/customers", envelope([{**CUSTOMER, "name": hostile}]))
    fake_api.on("GET", "/stores", envelope([]))
    for path in (f"/customers/{CID}", "/customers", f"/customers/{CID}/edit"):
        html = agent.get(path).get_data(as_text=True)
        assert "<img src=x" not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path


# ------------------------------------------------------------------------------------------------ edit

def test_an_edit_sends_only_what_changed_with_the_version_it_was_made_on(agent, fake_api):
    archive(fake_api)
    html = agent.get(f"/customers/{CID}/edit").get_data(as_text=True)
    assert 'name="version" value="3"' in html
    fake_api.on("PATCH", f"/customers/{CID}", CUSTOMER)
    seen = html.split("name=\"seen\" value='")[1].split("'>")[0]
    form = {**json.loads(seen.replace("&#34;", '"')), "seen": seen.replace("&#34;", '"'), "version": "3",
            "wanted_model": "海豹", "consent.email": "on"}
    response = agent.post(f"/customers/{CID}/edit", form)
    assert response.status_code == 302
    sent = fake_api.sent("PATCH", f"/customers/{CID}")[-1]
    assert sent.headers["If-Match"] == '"3"'
    assert json.loads(sent.content) == {"wanted_model": "海豹", "consent": {"sms": True, "phone": True, "email": True,
                                                                          "wechat": False}}


def test_a_stale_edit_shows_what_changed_next_to_the_persons_values_and_can_be_saved_again(agent, fake_api):
    archive(fake_api)
    seen = agent.get(f"/customers/{CID}/edit").get_data(as_text=True).split("name=\"seen\" value='")[1] \
        .split("'>")[0].replace("&#34;", '"')
    # a colleague saved the customer meanwhile: the stage and the owner changed
    archive(fake_api, customer={**CUSTOMER, "version": 4, "owner": "wang.gm", "wanted_model": "唐 DM-i"})
    fake_api.on("PATCH", f"/customers/{CID}", problem(409, "The customer is at version 4, not 3.",
                                                      current_version=4))
    response = agent.post(f"/customers/{CID}/edit", {**json.loads(seen), "seen": seen, "version": "3",
                                                     "wanted_model": "海豹"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "有人在您打开表单后保存了此客户" in html
    conflict = html[html.index('class="table table-sm mb-0 conflict"'):html.index("</table>")]
    assert "海豹" in conflict and "唐 DM-i" in conflict and "wang.gm" in conflict
    assert 'name="version" value="4"' in html
    assert 'id="f-wanted_model" name="wanted_model" type="text" value="海豹"' in html
    assert 'id="f-owner" name="owner" type="text" value="wang.gm"' in html
    retry_seen = html.split("name=\"seen\" value='")[1].split("'>")[0].replace("&#34;", '"')
    fake_api.on("PATCH", f"/customers/{CID}", CUSTOMER)
    agent.post(f"/customers/{CID}/edit", {**json.loads(retry_seen), "seen": retry_seen, "version": "4",
                                          "wanted_model": "海豹"})
    sent = fake_api.sent("PATCH", f"/customers/{CID}")[-1]
    assert sent.headers["If-Match"] == '"4"' and json.loads(sent.content) == {"wanted_model": "海豹"}


def test_an_edits_422_sits_beside_its_field(agent, fake_api):
    archive(fake_api)
    seen = json.dumps({"name": "张伟明"})
    fake_api.on("PATCH", f"/customers/{CID}", problem(422, "invalid", errors={
        "stage": ["A prospect can only be at stage lead, prospect, lost, not 'loyal'."]}))
    response = agent.post(f"/customers/{CID}/edit", {"seen": seen, "version": "3", "name": "张伟明", "stage": "loyal"})
    assert response.status_code == 422
    assert 'id="f-stage-error">A prospect can only be at stage' in response.get_data(as_text=True)


def test_the_archive_down_says_so_in_words(agent, fake_api):
    archive(fake_api, customer=problem(503, "down", service="customer"))
    response = agent.get(f"/customers/{CID}")
    assert response.status_code == 503
    assert "客户档案服务暂时不可用" in response.get_data(as_text=True)


def test_history_names_the_changed_fields_in_the_persons_language(fake_api, app):
    from console_tests.conftest import sign_in

    archive(fake_api)
    html = sign_in(app, language="en").get(f"/customers/{CID}").get_data(as_text=True)
    assert "li.si · Name, Wanted model" in html and "Customer created" in html


def test_the_360_leads_to_the_customers_complaints_in_the_list(viewer, fake_api):
    archive(fake_api)
    html = viewer.get(f"/customers/{CID}").get_data(as_text=True)
    assert f'href="/complaints?customer_id={CID}">该客户的投诉</a>' in html
