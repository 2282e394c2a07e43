"""Reports (报表) against the fake API: the list of reports, a report's figures as tables with bars, its filters
passed to the API, its CSV passed on as the API sent it, a value segment's customers, refusals in words."""
from __future__ import annotations

import httpx

from console_tests.fakeapi import page, problem

CUSTOMER = "11111111-1111-4111-8111-111111111111"
STORES = [{"id": "sz-futian", "name": "深圳福田店"}, {"id": "gz-tianhe", "name": "广州天河店"}]

PROSPECTS_CSV = ("\ufeff# prospects: by_dimension\r\ndimension,value,prospects,converted,conversion_rate\r\n"
                 "source,展厅来访,40,10,0.25\r\nsource,网络留资,20,2,0.1\r\n\r\n"
                 "# prospects: by_month\r\nmonth,prospects,converted,conversion_rate\r\n2026-11,60,12,0.2\r\n")
VALUE_CSV = ("\ufeff# value: segments\r\nsegment,label,customers,share,spend\r\n"
             "champions,重要价值客户,12,0.6,88000.00\r\nlost,流失客户,8,0.4,1200.00\r\n")
STAFF_CSV = ("\ufeff# staff: consultants\r\nstaff,prospects,converted,conversion_rate,visits,services,revenue,"
             "complaints,survey_attitude,survey_skill,survey_timeliness,survey_promise_kept\r\n"
             "li.si,30,6,0.2,12,3,5600.00,2,3.5,,,\r\n")


def csv_answer(text: str, name: str = "prospects") -> httpx.Response:
    return httpx.Response(200, content=text.encode(), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}-2026-01-01-2026-12-03.csv"'})


def with_stores(fake_api):
    return fake_api.on("GET", "/stores", page(STORES))


def test_the_list_names_every_report_the_service_serves(manager):
    html = manager.get("/reports").get_data(as_text=True)
    for name, title in (("prospects", "意向客户（A卡）"), ("owners", "保有客户（C卡）"), ("customer-flow", "客户增减"),
                        ("churn", "客户流失"), ("value", "客户价值分析（RFM）"), ("complaints", "客户投诉分析"),
                        ("callbacks", "回访与预约"), ("staff", "员工绩效"), ("monthly", "月度客户统计")):
        assert f'href="/reports/{name}"' in html
        assert title in html


def test_a_report_shows_its_figures_as_tables_with_a_bar_per_figure(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    html = manager.get("/reports/prospects").get_data(as_text=True)
    assert "按维度" in html and "按月" in html
    assert "<th scope=\"col\">成交率</th>" in html
    assert "展厅来访" in html and "来店原因" in html  # the dimension's code in words
    assert "25.0%" in html and "10.0%" in html  # rates as percentages
    # the bars are drawn by the browser from CSS classes, the longest for the largest figure
    assert 'class="report-bar report-bar-20"' in html and 'class="report-bar report-bar-10"' in html
    assert "深圳福田店" in html  # the store picker
    assert fake_api.sent("GET", "/reports/prospects")[0].url.params["format"] == "csv"


def test_period_and_store_are_passed_to_the_api_and_kept_in_the_download_link(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    html = manager.get("/reports/prospects?from=2026-01-01&to=2026-06-30&store=sz-futian").get_data(as_text=True)
    params = fake_api.sent("GET", "/reports/prospects")[0].url.params
    assert (params["from"], params["to"], params["store"]) == ("2026-01-01", "2026-06-30", "sz-futian")
    assert '<option value="sz-futian" selected>' in html
    assert 'value="2026-01-01"' in html
    assert "/reports/prospects/download.csv?" in html and "store=sz-futian" in html


def test_the_csv_is_passed_on_with_its_type_and_file_name(manager, fake_api):
    fake_api.on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    response = manager.get("/reports/prospects/download.csv?store=sz-futian&from=2026-01-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="prospects-2026-01-01-2026-12-03.csv"'
    assert response.get_data(as_text=True) == PROSPECTS_CSV
    params = fake_api.sent("GET", "/reports/prospects")[0].url.params
    assert (params["format"], params["store"], params["from"]) == ("csv", "sz-futian", "2026-01-01")


def test_the_report_downloads_as_an_excel_workbook_of_the_same_figures(manager, fake_api):
    import io

    from openpyxl import load_workbook

    fake_api.on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    page = manager.get("/reports/prospects?store=sz-futian").get_data(as_text=True)
    assert "/reports/prospects/download.xlsx?store=sz-futian" in page and "下载 Excel" in page
    response = manager.client.get("/reports/prospects/download.xlsx?store=sz-futian&from=2026-01-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="prospects-2026-01-01-2026-12-03.xlsx"'
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["by_dimension", "by_month"]
    first = book["by_dimension"]
    assert [cell.value for cell in first[1]] == ["dimension", "value", "prospects", "converted", "conversion_rate"]
    assert first[1][0].font.bold
    assert [[cell.value for cell in row] for row in first.iter_rows(min_row=2)] == [
        ["source", "展厅来访", 40, 10, 0.25], ["source", "网络留资", 20, 2, 0.1]]  # figures as numbers
    assert [[cell.value for cell in row] for row in book["by_month"].iter_rows()] == [
        ["month", "prospects", "converted", "conversion_rate"], ["2026-11", 60, 12, 0.2]]


def test_the_monthly_page_for_printing_is_the_apis(manager, fake_api):
    fake_api.on("GET", "/reports/monthly", httpx.Response(200, text="<!doctype html><h1>月度客户统计</h1>",
                                                          headers={"Content-Type": "text/html; charset=utf-8"}))
    response = manager.get("/reports/monthly/print?month=2026-11")
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'filename="monthly-2026-11.html"' in response.headers["Content-Disposition"]
    assert "月度客户统计" in response.get_data(as_text=True)
    params = fake_api.sent("GET", "/reports/monthly")[0].url.params
    assert (params["format"], params["month"]) == ("html", "2026-11")


def test_a_value_segment_links_to_its_customers_page_by_page(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/value", csv_answer(VALUE_CSV, "value"))
    html = manager.get("/reports/value?store=sz-futian").get_data(as_text=True)
    assert '<a href="/reports/value/segments/champions?store=sz-futian">重要价值客户</a>' in html
    fake_api.on("GET", "/reports/value", {"report": "value", "members": {
        "segment": "champions", "page": 2, "page_size": 50, "total": 120, "next": None,
        "customers": [{"id": CUSTOMER, "name": "<img src=x onerror=alert(1)>", "phone": "13800138000",
                       "kind": "individual", "store_id": "sz-futian", "last_visit_day": "2026-11-20", "visits": 9,
                       "spend": "32000.00"}]}})
    html = manager.get("/reports/value/segments/champions?store=sz-futian&page=2").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert f'href="/customers/{CUSTOMER}"' in html and "13800138000" in html
    assert "第 2 / 3 页（共 120 条）" in html
    params = fake_api.sent("GET", "/reports/value")[-1].url.params
    assert (params["segment"], params["page"], params["page_size"], params["store"]) == (
        "champions", "2", "50", "sz-futian")


def test_a_staff_member_links_to_their_complaints(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/staff", csv_answer(STAFF_CSV, "staff"))
    html = manager.get("/reports/staff").get_data(as_text=True)
    assert '<a href="/complaints?assignee=li.si">li.si</a>' in html
    assert "销售顾问" in html and "5600.00" in html


def test_the_reporting_service_down_leaves_the_rest_of_the_page(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/churn", problem(503, "down", service="reporting"))
    response = manager.get("/reports/churn")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "报表服务暂时不可用" in html
    assert "深圳福田店" in html and "生成报表" in html  # the filters still work
    assert "下载 CSV" not in html


def test_another_stores_report_is_refused_in_words(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/owners", problem(403, "Not one of your stores."))
    html = manager.get("/reports/owners?store=gz-tianhe").get_data(as_text=True)
    assert "Not one of your stores." in html
    response = manager.get("/reports/owners/download.csv?store=gz-tianhe")
    assert response.status_code == 403 and "Not one of your stores." in response.get_data(as_text=True)


def test_a_period_the_api_refuses_is_marked_beside_its_field(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/complaints", problem(
        422, "A period spans at most 400 days.", errors={"from": ["A period spans at most 400 days."]}))
    response = manager.get("/reports/complaints?from=2020-01-01&to=2026-12-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="report-from-error">A period spans at most 400 days.' in html


def test_a_viewer_reads_reports_and_an_unknown_report_is_not_found(viewer, fake_api):
    with_stores(fake_api).on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    assert "展厅来访" in viewer.get("/reports/prospects").get_data(as_text=True)
    assert viewer.get("/reports/nonsense").status_code == 404


def test_english_labels(app, fake_api):
    from console_tests.conftest import sign_in

    english = sign_in(app, "manager", "wang.gm", language="en")
    with_stores(fake_api).on("GET", "/reports/prospects", csv_answer(PROSPECTS_CSV))
    html = english.get("/reports/prospects").get_data(as_text=True)
    assert "Conversion rate" in html and "Reason for visit" in html and "Download CSV" in html



def test_the_monthly_summary_names_its_figures_and_shows_rates_as_percentages(manager, fake_api):
    with_stores(fake_api).on("GET", "/reports/monthly", csv_answer(
        "\ufeff# monthly: summary\r\nfigure,value\r\nnew_customers,42\r\nfirst_maintenance_rate,0.875\r\n", "monthly"))
    html = manager.get("/reports/monthly?month=2026-11").get_data(as_text=True)
    assert "新增客户" in html and "首保率" in html and "87.5%" in html
    assert "report-bar-" not in html  # counts and rates side by side: no bars to compare
    assert 'href="/reports/monthly/print?month=2026-11"' in html
    assert fake_api.sent("GET", "/reports/monthly")[0].url.params["month"] == "2026-11"
