"""Reports as CSV, as charts (PNG or SVG, matplotlib's Agg backend) and as a printable HTML page."""
from __future__ import annotations

import functools
import html
import io
from typing import Any

from servicekit.cells import csv_row, csv_writer

from reporting.domain.report import Chart, Report

#: Fonts that draw Chinese, best first; without one the chart labels are written in pinyin.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


def to_csv(report: Report) -> str:
    """Every table of the report, one after the other: a `# title` line, the header, the rows.

    Starts with a byte-order mark so spreadsheet programs read the Chinese as UTF-8; no cell is one a
    spreadsheet would evaluate (a customer's name, a store's, a reason typed by staff: servicekit.cells).
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out, lineterminator="\r\n")
    for index, (title, columns, rows) in enumerate(report.tables):
        if index:
            writer.writerow([])
        writer.writerow([f"# {report.name}: {title}"])
        writer.writerow(csv_row(columns))
        writer.writerows([csv_row(row) for row in rows])
    return out.getvalue()


@functools.cache
def chinese_font() -> str | None:
    """The name of an installed font that draws Chinese, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _label(text: str) -> str:
    if chinese_font() or text.isascii():
        return text
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


def to_chart(chart: Chart, image_format: str) -> bytes:
    """The chart drawn as PNG or SVG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    font = chinese_font()
    style = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with matplotlib.rc_context({**style, "svg.fonttype": "none", "axes.unicode_minus": False}):
        figure = Figure(figsize=(10, 4.8), dpi=100)
        axes = figure.subplots()
        labels = [_label(label) for label in chart.labels]
        positions = range(len(labels))
        names = list(chart.series)
        width = 0.8 / max(len(names), 1)
        for index, name in enumerate(names):
            # None (no figure: a week without callbacks) is not 0: NaN draws no point, and a line breaks there
            values = [float("nan") if value is None else value for value in chart.series[name]]
            if chart.kind == "bar":
                axes.bar([p + index * width - 0.4 + width / 2 for p in positions], values, width, label=_label(name))
            else:
                axes.plot(list(positions), values, marker="o", label=_label(name), gid=f"series-{index}")
        axes.set_title(_label(chart.title))
        axes.set_xticks(list(positions), labels, rotation=45 if len(labels) > 6 else 0, ha="right", fontsize=8)
        axes.grid(axis="y", alpha=0.3)
        if names:
            axes.legend(fontsize=8)
        # fixed margins (room for the rotated labels) rather than tight_layout, which draws the figure once
        # more to measure it: a third of the time of a chart
        figure.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.18 if len(labels) > 6 else 0.1)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=image_format)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}"
    return html.escape("—" if value is None else str(value))


SUMMARY_LABELS = {
    "new_prospects": "新增意向客户 (A卡) / new prospects", "prospect_conversion_rate": "意向成交率 / conversion",
    "owners": "保有客户 (C卡) / owners", "new_customers": "新增客户 / new customers",
    "lost_customers": "流失客户 / lost customers", "churn_rate": "流失率 / churn rate",
    "complaints": "投诉 / complaints", "complaint_reopen_rate": "投诉重开率 / reopen rate",
    "complaint_satisfaction_rate": "投诉回访满意率 / satisfied after callback",
    "first_maintenance_rate": "首保率 / first maintenance (target 90%)",
    "appointment_booking_rate": "预约成功率 / booking rate (target 50%)",
    "appointment_show_up_rate": "预约到店率 / show-up rate",
}


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<h2>{html.escape(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def monthly_html(report: Report) -> str:
    """The monthly summary as one printable page (A4, no scripts, no external resources)."""
    data = report.data
    summary = [[SUMMARY_LABELS.get(name, name), value] for name, value in data["summary"].items()]
    complaints = data["complaints"]
    sections = [
        _table("概要 Summary", ["指标 figure", "数值 value"], summary),
        _table("客户增减 Customers gained and lost", ["month", "new", "prospects", "owners", "lost", "net"],
               [[m["month"], m["new"], m["new_prospects"], m["new_owners"], m["lost"], m["net"]]
                for m in data["customer_flow"]["by_month"]]),
        _table("意向客户来店原因 Prospects by reason for visit", ["reason", "prospects", "converted", "rate"],
               [[i["value"], i["count"], i["converted"], i["conversion_rate"]]
                for i in data["prospects"]["by_dimension"]["source"]]),
        _table("保有客户车型 Owners by model", ["model", "owners"],
               [[i["value"], i["count"]] for i in data["owners"]["by_dimension"]["model"]]),
        _table("客户投诉分析 Complaints by category", ["category", "complaints"],
               [[i["value"], i["count"]] for i in complaints["by_dimension"]["category"]]),
        _table("投诉处理时限 Complaint SLA", ["target", "met", "breached", "open", "attainment"],
               [[s["target"], s["met"], s["breached"], s["open"], s["attainment"]] for s in complaints["sla"]]),
        _table("回访满意度 Callback satisfaction", ["month", "callbacks", "satisfied", "rate", "mean score"],
               [[m["month"], m["callbacks"], m["satisfied"], m["satisfaction_rate"], m["mean_score"]]
                for m in data["callbacks"]["satisfaction"]["monthly"]]),
        _table("流失原因 Win-back reasons", ["reason", "count"],
               [[r["reason"], r["count"]] for r in data["churn"]["winback_reasons"]]),
    ]
    hours = complaints["time_to_resolve_working_hours"]
    freshness = data["freshness"]["last_event_time"] or "no events yet"
    title = f"月度客户统计 Monthly report {data['from']} – {data['to']}"
    store = f" · {html.escape(', '.join(data['stores']))}" if data.get("stores") else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10pt; color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }} h2 {{ font-size: 11pt; margin: 12pt 0 4pt; break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; break-inside: avoid; }}
th, td {{ border: 1px solid #999; padding: 2pt 4pt; text-align: left; }} th {{ background: #eee; }}
td:not(:first-child) {{ text-align: right; }} .meta {{ color: #555; }}
</style></head><body>
<h1>{html.escape(title)}{store}</h1>
<p class="meta">数据截至 Data as of: {html.escape(freshness)} · 投诉解决时间中位数 median time to resolve:
{_cell(hours["median"])} h, P90 {_cell(hours["p90"])} h (working hours)</p>
{"".join(sections)}
</body></html>
"""
