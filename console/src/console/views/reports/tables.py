"""A report's figures: its CSV read as tables (each with the column drawn as a bar), a figure as a person
reads it, and the tables as an Excel workbook."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from console.views.reports.words import label

#: Columns whose figures are rates (0-1), shown as percentages.
RATES = re.compile(r".*(_rate|share|attainment)$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def figure(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _parsed(text: str) -> list[dict[str, Any]]:
    """The tables of a report's CSV, each its title, its columns and its rows (a row before any title is left
    out)."""
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
    return tables


def _counts(rows: list[list[str]], index: int) -> bool:
    """Whether a column holds figures in every row that has it."""
    return all(figure(row[index]) is not None for row in rows if index < len(row))


def _bar(columns: list[str], rows: list[list[str]]) -> int | None:
    """The column drawn as a bar: the first column of counts (not a rate) after the first."""
    if not rows:
        return None
    return next((i for i, name in enumerate(columns) if i and not RATES.match(name) and _counts(rows, i)), None)


def tables_of(text: str) -> list[dict[str, Any]]:
    """The report's tables from its CSV: a `# report: title` line, the header, the rows; a blank line between.
    Each table's bar is relative to its largest figure."""
    tables = _parsed(text)
    for table in tables:
        bar = _bar(table["columns"] or [], table["rows"])
        table["bar"] = None if table["title"] == "summary" else bar  # the summary mixes counts and rates
        table["bar_max"] = max((figure(r[bar]) or 0 for r in table["rows"]), default=0) if bar is not None else 0
    return tables


def cell(column: str, text: str, first: str = "") -> str:
    """A figure as a person reads it: rates as percentages (a rate's column, or the value of a summary's rate,
    whose name is the row's first cell), codes translated, nothing shown as a dash."""
    if text == "":
        return "—"
    if re.match(r"'+[=+\-@\t\r]", text):  # a text cell the CSV quoted so that no spreadsheet evaluates it
        text = text[1:]
    if (RATES.match(column) or (column == "value" and RATES.match(first))) and figure(text) is not None:
        return f"{float(text):.1%}"
    if column in ("dimension", "segment", "figure"):
        return label(text)
    return text


def bar_class(value: str, largest: float) -> str:
    """The CSS class of a bar's length: report-bar-0 … report-bar-20 (in twentieths of the largest figure)."""
    number = max(figure(value) or 0, 0)
    return f"report-bar-{round(20 * number / largest) if largest > 0 else 0}"


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
            sheet.append([value if figure(value) is None else figure(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
