"""GET /api/v1/reports/<report>: JSON, CSV, a chart (PNG, SVG) or, for the monthly summary, a printable page."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import current_identity, require_store, requires
from servicekit.problems import Problem
from servicekit.webapp import service_context

from reporting.config import MAX_PERIOD_DAYS
from reporting.entrypoints.api import render
from reporting.entrypoints.api.bodies import BODIES
from reporting.entrypoints.api.report_args import FORMATS, MonthlyArgs, ReportArgs, ValueArgs
from reporting.service_layer import reports
from reporting.service_layer.periods import Period, default_period

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Analysis from the events of every service, answered from pre-aggregated figures.")

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "png": "image/png", "svg": "image/svg+xml",
               "html": "text/html"}
CHARTED = ("prospects", "owners", "customer-flow", "churn", "value", "complaints", "callbacks")


#: The schema of each format other than JSON, for the OpenAPI document (which one: `format` or Accept).
OTHER_FORMATS = {"csv": {"type": "string"}, "png": {"type": "string", "format": "binary"},
                 "svg": {"type": "string"}, "html": {"type": "string"}}


def _today() -> date:
    """Today where the business is (CRM_TIMEZONE)."""
    return datetime.now(current_app.extensions["reporting"]["time_zone"]).date()


def _offered(name: str) -> list[str]:
    """The formats other than JSON that report `name` comes in."""
    return ["csv", *(("png", "svg") if name in CHARTED else ()), *(("html",) if name == "monthly" else ())]


def _other_formats(name: str):
    """Document the 200 answers of report `name` in each format other than JSON."""
    def decorate(view):
        for output in _offered(name):
            view = blp.alt_response(200, success=True, content_type=MEDIA_TYPES[output],
                                    schema=OTHER_FORMATS[output])(view)
        return view
    return decorate


def _format(name: str, requested: str | None) -> str:
    if requested is None:
        accept = request.accept_mimetypes
        offered = [MEDIA_TYPES[f] for f in FORMATS]
        best = accept.best_match(offered, default="application/json") if accept else "application/json"
        requested = next(f for f, media in MEDIA_TYPES.items() if media == best)
        if accept and accept.quality(best) == 0:
            requested = "json"
    if requested in ("png", "svg") and name not in CHARTED:
        raise Problem(422, "Unprocessable Entity", f"The {name} report has no chart.",
                      errors={"format": [f"{name} comes as json or csv."]})
    if requested == "html" and name != "monthly":
        raise Problem(422, "Unprocessable Entity", "Only the monthly summary is a printable page.",
                      errors={"format": [f"{name} comes as json, csv{', png or svg' if name in CHARTED else ''}."]})
    return requested


def _stores(requested: str | None) -> tuple[str, ...] | None:
    """The stores a report sums: the one asked for (403 unless the caller's), else the caller's stores (None:
    the whole group, for admins and callers tied to no store)."""
    identity = current_identity()
    if requested is not None:
        require_store(requested, identity)
        return (requested,)
    scope = identity.store_scope
    return None if scope is None else tuple(sorted(scope))


def _bounded(period: Period) -> Period:
    """`period`, or a 422 when it runs backwards or is longer than the service allows (each month and week of
    it costs rows to read and to send)."""
    if period.start > period.end:
        raise Problem(422, "Unprocessable Entity", "The period ends before it starts.",
                      errors={"to": [f"`to` ({period.end}) is before `from` ({period.start})."]})
    longest = current_app.extensions["reporting"]["max_period_days"]
    if (period.end - period.start).days + 1 > longest:
        message = f"A period spans at most {longest} days ({MAX_PERIOD_DAYS}); ask for several."
        raise Problem(422, "Unprocessable Entity", message, errors={"from": [message]})
    return period


def _answer(name: str, args: dict[str, Any], month: date | None = None,
            members: dict[str, Any] | None = None) -> Response:
    output = _format(name, args.get("format"))
    stores = _stores(args.get("store"))
    if month is not None:
        period = reports.month_period(month, stores)
    else:
        period = default_period(_today(), args.get("start"), args.get("end"), stores)
    period = _bounded(period)
    report = reports.read_report(service_context(current_app).sessions, name, period, members)
    if output == "csv":
        response = Response(render.to_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}-{period.start}-{period.end}.csv"'
    elif output in ("png", "svg"):
        if report.chart is None:  # _format lets only a charted report be asked for as an image
            raise LookupError(f"the {name} report has no chart")
        response = Response(render.to_chart(report.chart, output), mimetype=MEDIA_TYPES[output])
    elif output == "html":
        response = Response(render.monthly_html(report), mimetype="text/html")
    else:
        response = jsonify(report.data)
    response.headers["Vary"] = "Accept"
    return response


def _view(name: str, summary: str):
    @requires("read")
    @blp.arguments(ReportArgs, location="query", unknown=RAISE)
    @blp.response(200, BODIES[name], description=summary)
    @_other_formats(name)
    def view(args: dict[str, Any]) -> Response:
        return _answer(name, args)

    view.__name__ = name.replace("-", "_")
    view.__doc__ = summary
    return view


for _name, _summary in (
        ("prospects", "Prospects (A卡) by reason for visit, consultant, wanted model, region, purchase type, "
                      "intent and month of first visit, with conversion."),
        ("owners", "Owners (C卡) by customer type, model, region, industry, tier; flow in and out per month; "
                   "loyalty."),
        ("customer-flow", "Customers gained and lost per month (客户增减) and their distribution by region."),
        ("churn", "Customers with no visit in 6 months as of `to`, the monthly trend and the win-back reasons."),
        ("complaints", "The complaint analysis: volume by category, department, severity, cause; SLA attainment; "
                       "time to resolve (median, p90, working hours); reopen rate; satisfaction after callbacks."),
        ("callbacks", "Callback satisfaction weekly and monthly; first-maintenance rate; appointment booking and "
                      "show-up rates; reminder conversion."),
        ("staff", "Per consultant and per technician: prospects, conversions, visits, revenue, complaints, "
                  "survey scores.")):
    blp.route(f"/{_name}", methods=["GET"], endpoint=_name)(_view(_name, _summary))


@blp.route("/value", methods=["GET"])
@requires("read")
@blp.arguments(ValueArgs, location="query", unknown=RAISE)
@blp.response(200, BODIES["value"])
@_other_formats("value")
def value(args: dict[str, Any]) -> Response:
    """RFM value segments (客户价值分析) as of `to`; with `segment`, a page of that segment's customers (most
    recent visit first; `members.next` is the `after` of the next page)."""
    members = None
    if args.get("segment"):
        members = {name: args.get(name) for name in ("segment", "page", "page_size", "after")}
    return _answer("value", args, members=members)


@blp.route("/monthly", methods=["GET"])
@requires("read")
@blp.arguments(MonthlyArgs, location="query", unknown=RAISE)
@blp.response(200, BODIES["monthly"])
@_other_formats("monthly")
def monthly(args: dict[str, Any]) -> Response:
    """The main reports on one page for a month (`month=YYYY-MM`, default the current month)."""
    month = args.get("month")
    if month is None and not args.get("start") and not args.get("end"):
        month = _today()
    return _answer("monthly", args, month)
