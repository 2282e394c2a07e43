"""The complaints screens against a fake API: the list with its filters and SLA in words, filing a complaint,
and the complaint page with only the steps it may take next."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from console_tests.fakeapi import envelope, page, problem

CID = "5b1f6f0e-8d7e-4c36-9a53-2f6b5d1c0a11"
CUSTOMER = "0d6c2a4e-3b7f-4f0a-b1a4-7a9c2e5d8f10"
EVIL = "<img src=x onerror=alert(1)>"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def complaint(**changes) -> dict:
    now = datetime.now(UTC)
    figures = {"due_at": None, "met_at": None, "breached": False, "warned": False, "working_minutes_left": None}
    base = {
        "id": CID, "customer_id": CUSTOMER, "customer_name": "张伟", "store_id": "sh01", "channel": "phone",
        "category": "quality", "subcategory": None, "severity": "normal", "description": "变速箱异响，三次返修未好",
        "status": "filed", "department": None, "assignee": None, "resolution": None, "remedy_cost": None,
        "responsible_party": None, "escalation_level": None, "escalated_to": None, "round": 1,
        "callbacks_in_round": 0, "callbacks_needed": 1, "last_satisfaction": None, "waiting_on_customer": False,
        "breached": False, "filed_at": iso(now - timedelta(days=3)), "filed_by": "li.si",
        "updated_at": iso(now), "version": 1, "allowed_next": ["acknowledge", "reject"],
        "sla": {"acknowledge": {**figures, "due_at": iso(now + timedelta(days=30)), "working_minutes_left": 600},
                "respond": dict(figures), "resolve": dict(figures), "first_callback": dict(figures)},
    }
    base.update(changes)
    return base



def show_routes(fake_api, item: dict | None = None, *, timeline=None, callbacks=None, surveys=None, notices=None):
    fake_api.on("GET", rf"/complaints/{CID}", item or complaint())
    fake_api.on("GET", rf"/complaints/{CID}/timeline", timeline or envelope([
        {"at": iso(datetime(2026, 11, 30, 2, tzinfo=UTC)), "actor": "li.si", "action": "file",
         "from_status": "filed", "to_status": "filed", "details": {}},
        {"at": iso(datetime(2026, 12, 1, 3, tzinfo=UTC)), "actor": "wang.gm", "action": "acknowledge",
         "from_status": "filed", "to_status": "acknowledged", "details": {}},
    ]))
    fake_api.on("GET", rf"/complaints/{CID}/callbacks", callbacks if callbacks is not None else [])
    fake_api.on("GET", rf"/complaints/{CID}/surveys", surveys if surveys is not None else [])
    fake_api.on("GET", rf"/complaints/{CID}/rectifications", notices if notices is not None else [])
    fake_api.on("GET", r"/users", page([{"username": "zhou.fw", "display_name": "周服务", "role": "agent",
                                          "stores": ["sh01"], "active": True}], total=120, per_page=50))


# -- the list -------------------------------------------------------------------------------------------------


def test_list_shows_each_complaint_with_customer_codes_in_words_and_sla_left(agent, fake_api):
    now = datetime.now(UTC)
    late = complaint(status="assigned", breached=True, assignee="zhou.fw", department="after_sales", sla={
        "acknowledge": {"due_at": iso(now - timedelta(days=5)), "met_at": iso(now - timedelta(days=5)),
                        "breached": False},
        "respond": {"due_at": iso(now - timedelta(days=2)), "met_at": None, "breached": True,
                    "working_minutes_left": -600},
        "resolve": {"due_at": iso(now + timedelta(days=40)), "met_at": None, "breached": False,
                    "working_minutes_left": 13_020},
        "first_callback": {"due_at": None, "met_at": None, "breached": False}})
    fake_api.on("GET", r"/complaints", envelope([late, complaint(id="other", customer_name=EVIL)], total=45))
    html = agent.get("/complaints?status=assigned&breached=true").get_data(as_text=True)
    assert "张伟" in html and f'href="/customers/{CUSTOMER}"' in html
    assert "产品质量" in html and "一般" in html and "已分派" in html      # category, severity, status translated
    assert "已超时：超出 1 个工作日 2 小时" in html                       # breached said in words, in working time
    assert "剩余 27 个工作日 1 小时" in html                              # time left, as the service counts it
    assert "zhou.fw" in html and "售后服务部" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and EVIL not in html
    assert "第 1 / 3 页" in html                                          # paginated on the server
    sent = fake_api.sent("GET", r"/complaints")[-1].url.params
    assert sent["status"] == "assigned" and sent["breached"] == "true" and sent["page_size"] == "20"


def test_list_warns_when_little_working_time_is_left(agent, fake_api):
    soon = datetime.now(UTC) + timedelta(minutes=1)
    fake_api.on("GET", r"/complaints", envelope([complaint(sla={
        "acknowledge": {"due_at": iso(soon), "met_at": None, "breached": False, "warned": True,
                        "working_minutes_left": 1},
        "respond": {"due_at": None, "met_at": None, "breached": False},
        "resolve": {"due_at": None, "met_at": None, "breached": False},
        "first_callback": {"due_at": None, "met_at": None, "breached": False}})]))
    html = agent.get("/complaints").get_data(as_text=True)
    assert "预警：剩余 1 分钟" in html


def test_list_says_the_complaints_service_is_unavailable(agent, fake_api):
    fake_api.on("GET", r"/complaints", problem(503, "down", service="complaint"))
    response = agent.get("/complaints")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "投诉服务暂时不可用" in html
    assert 'aria-label="筛选投诉"' in html                                  # the rest of the page still works


def test_viewer_sees_no_new_complaint_and_no_step(viewer, fake_api):
    show_routes(fake_api)
    html = viewer.get(f"/complaints/{CID}").get_data(as_text=True)
    assert 'method="post"' not in html.split('id="main"')[1]              # no form that changes anything
    assert "受理</button>" not in html and "不予受理" not in html and "下发整改通知" not in html
    assert viewer.get(f"/complaints/new?customer_id={CUSTOMER}").status_code == 403


# -- filing -----------------------------------------------------------------------------------------------------


def test_new_complaint_is_filed_and_opens_its_page(agent, fake_api):
    fake_api.on("GET", rf"/customers/{CUSTOMER}", {"id": CUSTOMER, "name": EVIL, "phone": "13800001111"})
    fake_api.on("GET", rf"/customers/{CUSTOMER}/assets", envelope([]))
    fake_api.on("POST", r"/complaints", httpx.Response(201, json=complaint()))
    html = agent.get(f"/complaints/new?customer_id={CUSTOMER}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and EVIL not in html
    assert "微信" in html and "严重" in html
    response = agent.post("/complaints/new", {"customer_id": CUSTOMER, "channel": "wechat", "category": "service",
                                              "severity": "serious", "description": "接待态度差",
                                              "subcategory": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaints/{CID}")
    assert fake_api.body("POST", r"/complaints") == {"customer_id": CUSTOMER, "channel": "wechat",
                                                     "category": "service", "severity": "serious",
                                                     "description": "接待态度差", "subcategory": None}


def test_new_complaint_names_the_vehicle_it_concerns(agent, fake_api):
    fake_api.on("GET", rf"/customers/{CUSTOMER}", {"id": CUSTOMER, "name": "张伟"})
    fake_api.on("GET", rf"/customers/{CUSTOMER}/assets", envelope([
        {"id": "v1", "kind": "vehicle", "plate": "沪A12345", "model": "帕萨特", "vin": None, "status": "active"},
        {"id": "c1", "kind": "service_contract", "description": "保养套餐", "status": "active"}]))
    fake_api.on("POST", r"/complaints", httpx.Response(201, json=complaint()))
    html = agent.get(f"/complaints/new?customer_id={CUSTOMER}").get_data(as_text=True)
    assert "沪A12345 · 帕萨特" in html and "保养套餐" not in html
    agent.post("/complaints/new", {"customer_id": CUSTOMER, "channel": "phone", "category": "quality",
                                   "severity": "normal", "vehicle": "v1", "description": "异响"})
    assert fake_api.body("POST", r"/complaints")["description"] == "车辆：沪A12345 · 帕萨特\n异响"


def test_new_complaint_422_sits_beside_its_field(agent, fake_api):
    fake_api.on("GET", rf"/customers/{CUSTOMER}", {"id": CUSTOMER, "name": "张伟"})
    fake_api.on("POST", r"/complaints", problem(422, "invalid", errors={"description": ["不能为空。"]}))
    response = agent.post("/complaints/new", {"customer_id": CUSTOMER, "channel": "phone", "category": "quality",
                                              "severity": "normal", "description": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-description-error">不能为空。' in html
    assert 'name="category"' in html  # the form is back to correct


def test_new_complaint_form_works_when_the_customer_archive_is_down(agent, fake_api):
    fake_api.on("GET", rf"/customers/{CUSTOMER}", problem(503, service="customer"))
    html = agent.get(f"/complaints/new?customer_id={CUSTOMER}").get_data(as_text=True)
    assert "客户档案服务暂时不可用" in html and "提交投诉" in html


# -- the complaint page -----------------------------------------------------------------------------------------


def test_page_shows_details_sla_and_timeline_newest_first(agent, fake_api):
    show_routes(fake_api, callbacks=[{"round": 1, "number": 1, "channel": "phone", "satisfaction": "unsatisfied",
                                      "comment": EVIL, "recorded_by": "li.si", "at": iso(datetime.now(UTC))}])
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "变速箱异响" in html and "已提交" in html and "电话" in html
    assert "受理时限" in html and "剩余" in html
    timeline = html.split('id="timeline-h"')[1]
    assert timeline.index("已受理") < timeline.index("已提交")             # newest first
    assert "不满意" in html and "&lt;img src=x onerror=alert(1)&gt;" in html and EVIL not in html


def test_page_offers_only_the_steps_allowed_next(agent, fake_api):
    show_routes(fake_api, complaint(allowed_next=["acknowledge", "reject"]))
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert ">受理</button>" in html and "驳回：不予支持" in html and "暂停：等待客户" in html
    for absent in ("开始处理</button>", "处理完成</button>", "记录回访</button>", "结案</button>", "重新打开</button>"):
        assert absent not in html


def test_agent_may_not_assign_but_a_manager_picks_from_a_page_of_users(agent, manager, fake_api):
    show_routes(fake_api, complaint(status="acknowledged", allowed_next=["assign", "reject"]))
    assert "分派</button>" not in agent.get(f"/complaints/{CID}").get_data(as_text=True)
    html = manager.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "分派</button>" in html and "周服务 (zhou.fw)" in html and "更多人员" in html
    users = fake_api.sent("GET", r"/users")[-1].url.params
    assert users["store"] == "sh01" and users["page_size"] == "50"


def test_a_step_is_posted_and_the_page_shows_the_new_status(agent, fake_api):
    show_routes(fake_api, complaint(status="resolved", allowed_next=["callbacks", "reopen"]))
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "1 · 非常不满意" in html and "5 · 非常满意" in html
    fake_api.on("POST", rf"/complaints/{CID}/callbacks", complaint(status="reopened"))
    response = agent.post(f"/complaints/{CID}/steps/callbacks", {"channel": "phone", "satisfaction": "unsatisfied",
                                                                  "comment": "还是响"})
    assert response.status_code == 302 and f"/complaints/{CID}" in response.headers["Location"]
    assert fake_api.body("POST", rf"/complaints/{CID}/callbacks") == {
        "channel": "phone", "satisfaction": "unsatisfied", "comment": "还是响"}
    show_routes(fake_api, complaint(status="reopened", allowed_next=["assign"]))
    assert "已重新打开" in agent.get(response.headers["Location"]).get_data(as_text=True)


def test_a_step_no_longer_allowed_says_why_in_words(agent, fake_api):
    show_routes(fake_api, complaint(status="in_progress", allowed_next=["resolve", "reject"]))
    fake_api.on("POST", rf"/complaints/{CID}/start", problem(
        409, "Cannot start work on a complaint that is in_progress.", allowed_next=["resolve", "reject"]))
    agent.get(f"/complaints/{CID}")
    response = agent.post(f"/complaints/{CID}/steps/start")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "无法完成：" in html and "Cannot start work" in html and "其他人" in html
    assert "处理中" in html and "处理完成</button>" in html


def test_resolve_422_sits_beside_its_field(agent, fake_api):
    show_routes(fake_api, complaint(status="in_progress", allowed_next=["resolve", "reject"]))
    fake_api.on("POST", rf"/complaints/{CID}/resolve", problem(422, "invalid",
                                                               errors={"resolution": ["不能为空。"]}))
    agent.get(f"/complaints/{CID}")
    response = agent.post(f"/complaints/{CID}/steps/resolve", {"resolution": "", "remedy_cost": "0",
                                                                "responsible_party": "after_sales"})
    assert response.status_code == 422
    assert 'id="resolve-resolution-error">不能为空。' in response.get_data(as_text=True)


def test_close_needs_the_survey_first_and_says_so(agent, fake_api):
    show_routes(fake_api, complaint(status="callback", allowed_next=["callbacks", "reopen"], callbacks_in_round=1,
                                    last_satisfaction="very_satisfied"))
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "结案</button>" not in html and "满意度调查" in html and "记录调查</button>" in html
    fake_api.on("POST", rf"/complaints/{CID}/survey", complaint(status="callback"))
    agent.post(f"/complaints/{CID}/steps/survey", {"attitude": "very_satisfied", "skill": "satisfied",
                                                    "timeliness": "satisfied", "promise_kept": "very_satisfied",
                                                    "staff": "zhou.fw， li.si", "comment": ""})
    assert fake_api.body("POST", rf"/complaints/{CID}/survey") == {
        "attitude": "very_satisfied", "skill": "satisfied", "timeliness": "satisfied",
        "promise_kept": "very_satisfied", "staff": ["zhou.fw", "li.si"], "comment": None}


def test_rectification_notices_listed_printed_and_completed(agent, fake_api):
    notice = {"id": "n1", "complaint_id": CID, "department": "after_sales", "required_action": "返修流程加终检",
              "due_on": "2026-12-20", "status": "open", "issued_by": "wang.gm", "issued_at": iso(datetime.now(UTC)),
              "outcome": None, "done_by": None, "done_at": None}
    show_routes(fake_api, notices=[notice])
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "返修流程加终检" in html and "打印整改通知单" in html and "整改完成</button>" in html
    fake_api.on("POST", rf"/complaints/{CID}/rectifications", httpx.Response(201, json=notice))
    response = agent.post(f"/complaints/{CID}/rectifications", {"department": "parts", "required_action": "备件",
                                                                 "due_on": ""})
    assert response.status_code == 302
    assert fake_api.body("POST", rf"/complaints/{CID}/rectifications") == {
        "department": "parts", "required_action": "备件", "due_on": None}
    fake_api.on("POST", rf"/complaints/{CID}/rectifications/n1/complete",
                problem(409, "The rectification is already done."))
    response = agent.post(f"/complaints/{CID}/rectifications/n1/complete", {"outcome": "已加终检"})
    assert response.status_code == 409 and "already done" in response.get_data(as_text=True)
    fake_api.on("GET", rf"/complaints/{CID}/rectifications/n1/print",
                httpx.Response(200, text="<h1>整改通知单</h1>", headers={"Content-Type": "text/html"}))
    assert "整改通知单" in agent.get(f"/complaints/{CID}/rectifications/n1/print").get_data(as_text=True)


@pytest.mark.parametrize("part", ["timeline", "callbacks"])
def test_one_part_down_says_unavailable_and_the_rest_renders(agent, fake_api, part):
    show_routes(fake_api)
    fake_api.on("GET", rf"/complaints/{CID}/{part}", problem(503, service="complaint"))
    response = agent.get(f"/complaints/{CID}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "投诉服务暂时不可用" in html and "变速箱异响" in html and ">受理</button>" in html


def test_complaint_service_down_says_the_complaint_is_unavailable(agent, fake_api):
    show_routes(fake_api)
    fake_api.on("GET", rf"/complaints/{CID}", problem(503, service="complaint"))
    html = agent.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "投诉服务暂时不可用" in html and "受理</button>" not in html


def test_english_labels(fake_api, app):
    from console_tests.conftest import sign_in

    browser = sign_in(app, "agent", language="en")
    show_routes(fake_api, complaint(status="resolved", allowed_next=["callbacks", "reopen"]))
    html = browser.get(f"/complaints/{CID}").get_data(as_text=True)
    assert "Record the callback</button>" in html and "1 · Very unsatisfied" in html and "Product quality" in html


def test_list_leaves_out_a_code_it_does_not_offer(agent, fake_api):
    fake_api.on("GET", r"/complaints", envelope([]))
    html = agent.get("/complaints?status=bogus&severity=critical&assignee=zhou.fw").get_data(as_text=True)
    assert "没有符合筛选条件的投诉。" in html
    sent = fake_api.sent("GET", r"/complaints")[-1].url.params
    assert "status" not in sent and sent["severity"] == "critical" and sent["assignee"] == "zhou.fw"


def test_a_refused_assignment_says_why_beside_the_assignee(manager, fake_api):
    show_routes(fake_api, complaint(status="acknowledged", allowed_next=["assign", "reject"]))
    fake_api.on("POST", rf"/complaints/{CID}/assign", problem(
        422, "invalid", errors={"assignee": ["zhou.fw 不在本门店工作。"]}))
    manager.get(f"/complaints/{CID}")
    response = manager.post(f"/complaints/{CID}/steps/assign", {"department": "after_sales", "assignee": "zhou.fw"})
    assert response.status_code == 422
    assert 'id="assign-assignee-error">zhou.fw 不在本门店工作。' in response.get_data(as_text=True)
    assert fake_api.body("POST", rf"/complaints/{CID}/assign") == {"department": "after_sales",
                                                                   "assignee": "zhou.fw"}


def test_the_apis_refusal_of_a_role_is_shown(agent, fake_api):
    show_routes(fake_api, complaint(status="acknowledged", allowed_next=["assign", "reject"]))
    fake_api.on("POST", rf"/complaints/{CID}/assign", problem(403, "Managers only."))
    agent.get(f"/complaints/{CID}")
    response = agent.post(f"/complaints/{CID}/steps/assign", {"department": "after_sales", "assignee": "li.si"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "您没有权限执行此操作。" in html and "Managers only." in html


def test_the_list_of_one_customers_complaints_keeps_that_filter(agent, fake_api):
    fake_api.on("GET", "/complaints", envelope([complaint()]))
    html = agent.get(f"/complaints?customer_id={CUSTOMER}&status=filed").get_data(as_text=True)
    [call] = fake_api.sent("GET", "/complaints")
    assert call.url.params["customer_id"] == CUSTOMER and call.url.params["status"] == "filed"
    assert f'<input type="hidden" name="customer_id" value="{CUSTOMER}">' in html
    assert f'name="filter.customer_id" value="{CUSTOMER}"' in html
