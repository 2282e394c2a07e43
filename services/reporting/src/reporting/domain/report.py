"""What a report is made of, whatever it is rendered as."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Chart:
    """What to draw: one bar or line chart, labels along the x axis, one or more series."""

    title: str
    kind: str  # "bar" or "line"
    labels: list[str]
    series: dict[str, list[float | None]]  # None: no figure there (a line leaves a gap, a bar draws none)


@dataclass
class Report:
    """A report's data (JSON), its tables (CSV: title, columns, rows) and its chart."""

    name: str
    data: dict[str, Any]
    tables: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)
    chart: Chart | None = None
