"""Charts draw what the JSON says: a week without callbacks has no rate (null), so no point, not a 0%."""
from __future__ import annotations

import re
from datetime import date

import reporting_events as ev
from reporting.entrypoints.api.render import to_chart
from reporting.service_layer import reports
from reporting.service_layer.periods import Period

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def test_weeks_without_callbacks_are_gaps_in_the_callbacks_chart(apply, sessions):
    apply([ev.customer("o1", "2026-09-01T02:00:00Z", kind="owner"),
           ev.visit("o1", "callback", "2026-10-06T02:00:00Z", channel="phone", satisfaction="satisfied"),
           ev.visit("o1", "callback", "2026-10-27T02:00:00Z", channel="phone", satisfaction="unsatisfied")])
    with sessions() as session:
        report = reports.REPORTS["callbacks"](session, OCTOBER)
    weekly = report.data["satisfaction"]["weekly"]
    rates = [week["satisfaction_rate"] for week in weekly]
    assert rates.count(None) >= 2 and [rate for rate in rates if rate is not None] == [1.0, 0.0]
    assert report.chart.series["satisfaction_rate"] == rates  # null stays null
    svg = to_chart(report.chart, "svg").decode()
    # the line's markers: one per week with callbacks (two), none for the empty weeks
    line = re.search(r'<g id="series-0">(.*?)</g>\s*</g>', svg, re.S)
    assert line is not None and len(re.findall(r"<use ", line.group(1))) == 2
    path = re.search(r'<path d="([^"]*)"', line.group(1)).group(1)
    assert "L" not in path  # two points weeks apart, and no line drawn through the weeks between
    assert to_chart(report.chart, "png").startswith(b"\x89PNG")
