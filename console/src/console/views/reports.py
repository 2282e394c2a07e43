"""Reports (报表): every report the reporting service serves, each with its figures as tables (a bar beside each
figure, drawn by the browser so Chinese labels always show), filters for period and store, and its CSV as the
API makes it; a value segment's customers page by page; the monthly summary as a printable page."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

from console.api import ApiError, Page, api
from console.views.today import page_number

blp = Blueprint("reports", __name__)

#: Each report the reporting service serves: its name in the API, its title and what it shows.
REPORTS = {
    "prospects": (N_("Prospects (A card)"), N_("Prospects by reason for visit, consultant, wanted model and region, "
                                               "with conversion.")),
    "owners": (N_("Owners (C card)"), N_("Owners by customer type, model, region and tier; in and out per month.")),
    "customer-flow": (N_("Customers gained and lost"), N_("New and lost customers per month.")),
    "churn": (N_("Churn"), N_("Customers with no visit in 6 months, the monthly trend and win-back reasons.")),
    "value": (N_("Customer value (RFM)"), N_("Customers by value segment, with each segment's customers.")),
    "complaints": (N_("Complaint analysis"), N_("Complaints by category, department and severity; time limits "
                                                "met; time to resolve.")),
    "callbacks": (N_("Callbacks and appointments"), N_("Callback satisfaction, first maintenance rate, appointment "
                                                       "booking and show-up rates.")),
    "staff": (N_("Staff"), N_("Per consultant and technician: prospects, conversions, visits, revenue, "
                              "complaints.")),
    "monthly": (N_("Monthly summary"), N_("The main figures of one month on one printable page.")),
}
#: The table titles and column names of the reports' CSV (codes), as people read them.
LABELS = {
    "by_dimension": N_("By dimension"), "by_month": N_("By month"), "trend": N_("Trend"),
    "winback_reasons": N_("Win-back reasons"), "segments": N_("Segments"), "weekly": N_("Weekly"),
    "monthly": N_("Monthly"), "consultants": N_("Consultants"), "technicians": N_("Technicians"),
    "summary": N_("Summary"), "sla": N_("Time limits"), "dimension": N_("Dimension"), "value": N_("Item"),
    "prospects": N_("Prospects"), "converted": N_("Converted"), "conversion_rate": N_("Conversion rate"),
    "owners": N_("Owners"), "month": N_("Calendar month"), "week": N_("Week"), "new": N_("New customers"),
    "new_prospects": N_("New prospects"), "new_owners": N_("New owners"), "lost": N_("Lost"), "net": N_("Net"),
    "reason": N_("Reason"), "count": N_("How many"), "segment": N_("Segment"), "label": N_("Name"),
    "customers": N_("Customers"), "share": N_("Share"), "spend": N_("Spend to date"), "complaints": N_("Complaints"),
    "callbacks": N_("Callbacks"), "satisfied": N_("Satisfied"), "satisfaction_rate": N_("Satisfaction rate"),
    "mean_score": N_("Mean score"), "staff": N_("Staff member"), "visits": N_("Visits"), "services": N_("Services"),
    "revenue": N_("Revenue"), "survey_attitude": N_("Attitude"), "survey_skill": N_("Skill"),
    "survey_timeliness": N_("Timeliness"), "survey_promise_kept": N_("Promise kept"), "figure": N_("Indicator"),
    "target": N_("Target"), "met": N_("Met"), "breached": N_("Breached"), "open": N_("Open"),
    "attainment": N_("Attainment"), "rate": N_("Rate"),
}
#: Dimensions, RFM segments and the monthly summary's figures (codes the reports use as values).
VALUE_LABELS = {
    "prospect_conversion_rate": N_("Prospect conversion rate"), "new_customers": N_("New customers"),
    "lost_customers": N_("Lost customers"), "churn_rate": N_("Churn rate"),
    "complaint_reopen_rate": N_("Complaint reopen rate"),
    "complaint_satisfaction_rate": N_("Satisfied after complaint callback"),
    "first_maintenance_rate": N_("First maintenance rate"), "appointment_booking_rate": N_("Appointment booking rate"),
    "appointment_show_up_rate": N_("Appointment show-up rate"),
    "source": N_("Reason for visit"), "consultant": N_("Sales consultant"), "wanted_model": N_("Wanted model"),
    "region": N_("Customer region"), "purchase_type": N_("Purchase type"), "intent_grade": N_("Intent"),
    "first_visit_month": N_("Month of first visit"), "customer_type": N_("Customer type"),
    "vehicles": N_("Vehicles owned"),
    "stage": N_("Customer stage"), "subcategory": N_("Subcategory"), "channel": N_("Channel"), "model": N_("Model"),
    "industry": N_("Industry"), "tier": N_("Tier"), "category": N_("Category"), "department": N_("Department"),
    "severity": N_("Severity"), "cause": N_("Cause"),
    "champions": N_("Champions"), "loyal": N_("Loyal"), "big_spenders_at_risk": N_("Big spenders at risk"),
    "at_risk": N_("At risk"), "promising": N_("Promising"),
}
#: Columns whose figures are rates (0-1), shown as percentages.
RATES = re.compile(r".*(_rate|share|attainment)$")
SEGMENT_PAGE_SIZE = 50


def _label(code: str) -> str:
    found = LABELS.get(code) or VALUE_LABELS.get(code)
    return str(found) if found else code


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def tables_of(text: str) -> list[dict[str, Any]]:
    """The report's tables from its CSV: a `# report: title` line, the header, the rows; a blank line between."""
    tables: list[dict[str, Any]] = []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not row or not any(row):
            continue
        if row[0].startswith("# "):
            tables.append({"title": row[0].partition(": ")[2] or row[0][2:], "columns": None, "rows": []})
        elif tables and tables[-1]["columns"] is None:
            tables[-1]["columns"] = row
        elif tables:
            tables[-1]["rows"].append(row)
    for table in tables:
        columns = table["columns"] or []
        # the bar: the first column of counts (not a rate) after the first, relative to its largest figure
        bar = next((i for i, name in enumerate(columns) if i and not RATES.match(name)
                    and table["rows"] and all(_number(r[i]) is not None for r in table["rows"] if i < len(r))), None)
        table["bar"] = None if table["title"] == "summary" else bar  # the summary mixes counts and rates
        table["bar_max"] = max((_number(r[bar]) or 0 for r in table["rows"]), default=0) if bar is not None else 0
    return tables


def cell(column: str, text: str, first: str = "") -> str:
    """A figure as a person reads it: rates as percentages (a rate's column, or the value of a summary's rate,
    whose name is the row's first cell), codes translated, nothing shown as a dash."""
    if text == "":
        return "—"
    if re.match(r"'+[=+\-@\t\r]", text):  # a text cell the CSV quoted so that no spreadsheet evaluates it
        text = text[1:]
    if (RATES.match(column) or (column == "value" and RATES.match(first))) and _number(text) is not None:
        return f"{float(text):.1%}"
    if column in ("dimension", "segment", "figure"):
        return _label(text)
    return text


def bar_class(value: str, largest: float) -> str:
    """The CSS class of a bar's length: report-bar-0 … report-bar-20 (in twentieths of the largest figure)."""
    number = max(_number(value) or 0, 0)
    return f"report-bar-{round(20 * number / largest) if largest > 0 else 0}"


def _filters(name: str) -> dict[str, str]:
    keys = ("month", "store") if name == "monthly" else ("from", "to", "store")
    return {key: request.args.get(key, "").strip() for key in keys if request.args.get(key, "").strip()}


def _store_options(stores: Any, chosen: str) -> list[tuple[str, str]]:
    options = [("", _("My stores"))]
    if not isinstance(stores, ApiError):
        options += [(item["id"], item.get("name") or item["id"]) for item in stores.items]
    if chosen and chosen not in {value for value, _text in options}:
        options.append((chosen, chosen))
    return options


def _known(name: str) -> None:
    if name not in REPORTS:
        abort(404)


@blp.get("/reports")
def index():
    return render_template("reports/index.html", reports=REPORTS)


@blp.get("/reports/<name>")
def report(name: str):
    _known(name)
    filters = _filters(name)
    found = api().gather({
        "report": lambda a: tables_of(a.send("GET", f"/reports/{name}", params={**filters, "format": "csv"}).text),
        "stores": lambda a: a.page("/stores", page_size=100)})
    figures = found["report"]
    errors = figures.errors if isinstance(figures, ApiError) and figures.status == 422 else {}
    status = 422 if errors else 200
    return render_template("reports/report.html", name=name, title=REPORTS[name][0], about=REPORTS[name][1],
                           figures=figures, filters=filters, errors=errors,
                           store_options=_store_options(found["stores"], filters.get("store", "")),
                           label=_label, cell=cell, bar_class=bar_class), status


def _passed_on(response, filename: str | None = None) -> Response:
    """The API's file as it sent it: its body, Content-Type and Content-Disposition."""
    passed = Response(response.content, content_type=response.headers.get("Content-Type"))
    disposition = response.headers.get("Content-Disposition")
    if disposition or filename:
        passed.headers["Content-Disposition"] = disposition or f'attachment; filename="{filename}"'
    return passed


@blp.get("/reports/<name>/download.csv")
def download(name: str):
    """The report's CSV as the API makes it (a refusal is shown in words, as any page's)."""
    _known(name)
    return _passed_on(api().send("GET", f"/reports/{name}", params={**_filters(name), "format": "csv"}))


@blp.get("/reports/<name>/download.xlsx")
def download_xlsx(name: str):
    """The report as an Excel workbook: the API's CSV, each of its tables a sheet, figures as numbers (the
    reporting service serves CSV only; the workbook is the same figures, not other ones)."""
    _known(name)
    answer = api().send("GET", f"/reports/{name}", params={**_filters(name), "format": "csv"})
    disposition = answer.headers.get("Content-Disposition") or ""
    found = re.search(r'filename="?([^";]+?)(?:\.csv)?"?(?:;|$)', disposition)
    filename = f"{found.group(1) if found else name}.xlsx"
    response = Response(workbook_of(tables_of(answer.text)), content_type=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_of(tables: list[dict[str, Any]]) -> bytes:
    """An .xlsx with one sheet per table (its title, at most Excel's 31 characters), the header row bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    if book.active is not None:  # a new workbook has its one empty sheet
        book.remove(book.active)
    for number, table in enumerate(tables or [{"title": "report", "columns": [], "rows": []}], start=1):
        title = re.sub(r"[\\/*?:\[\]]", " ", str(table["title"]))[:28] or "report"
        sheet = book.create_sheet(title if title not in book.sheetnames else f"{title[:25]} {number}")
        sheet.append(table["columns"] or [])
        for header in sheet[1]:
            header.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([value if _number(value) is None else _number(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@blp.get("/reports/monthly/print")
def printable():
    """The API's printable monthly summary (an A4 page of its own), as a file to open and print."""
    filters = _filters("monthly")
    response = api().send("GET", "/reports/monthly", params={**filters, "format": "html"})
    return _passed_on(response, f"monthly-{filters.get('month', 'current')}.html")


@blp.get("/reports/value/segments/<segment>")
def segment(segment: str):
    """One value segment's customers, page by page."""
    filters = _filters("value")
    try:
        body = api().get("/reports/value", **filters, segment=segment, page=page_number(),
                         page_size=SEGMENT_PAGE_SIZE)
        members = body["members"]
        total = int(members.get("total") or 0)
        customers: Any = Page(items=members.get("customers") or [], total=total, page=members.get("page") or 1,
                              pages=max(1, -(-total // SEGMENT_PAGE_SIZE)), page_size=SEGMENT_PAGE_SIZE)
    except ApiError as error:
        customers = error
    return render_template("reports/segment.html", segment=segment, segment_label=_label(segment),
                           customers=customers, filters=filters)
