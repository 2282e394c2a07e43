"""A report as a file: its CSV as the API makes it, an Excel workbook of the same figures, and the printable
monthly summary."""
from __future__ import annotations

import re

from flask import Response

from console.api import api
from console.views.reports.common import blp, filters_of, known
from console.views.reports.tables import XLSX, tables_of, workbook_of


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
    known(name)
    return _passed_on(api().send("GET", f"/reports/{name}", params={**filters_of(name), "format": "csv"}))


@blp.get("/reports/<name>/download.xlsx")
def download_xlsx(name: str):
    """The report as an Excel workbook: the API's CSV, each of its tables a sheet, figures as numbers (the
    reporting service serves CSV only; the workbook is the same figures, not other ones)."""
    known(name)
    answer = api().send("GET", f"/reports/{name}", params={**filters_of(name), "format": "csv"})
    disposition = answer.headers.get("Content-Disposition") or ""
    found = re.search(r'filename="?([^";]+?)(?:\.csv)?"?(?:;|$)', disposition)
    filename = f"{found.group(1) if found else name}.xlsx"
    response = Response(workbook_of(tables_of(answer.text)), content_type=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.get("/reports/monthly/print")
def printable():
    """The API's printable monthly summary (an A4 page of its own), as a file to open and print."""
    filters = filters_of("monthly")
    response = api().send("GET", "/reports/monthly", params={**filters, "format": "html"})
    return _passed_on(response, f"monthly-{filters.get('month', 'current')}.html")
