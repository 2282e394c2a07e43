"""The one table a run prints: each check and each fault's recovery, with the verdict."""
from __future__ import annotations

from .checks import Result

HEADER = ("check", "expected", "lost", "duplicated", "unexpected", "recovery")


def recovery_rows(recoveries: dict[str, list[float | None]]) -> list[Result]:
    """A row per fault: how many were injected, after how many the system never made progress again (lost),
    and the slowest recovery."""
    rows = []
    for name, times in recoveries.items():
        measured = [seconds for seconds in times if seconds is not None]
        slowest = f"max {max(measured):.1f} s" if measured else "-"
        rows.append(Result(f"fault: {name}", len(times), lost=len(times) - len(measured), recovery=slowest))
    return rows


def render(rows: list[Result]) -> str:
    """The rows as a Markdown table (readable in a terminal, pasted as is into docs/reliability.md)."""
    cells = [HEADER, *((row.check, str(row.expected), str(row.lost), str(row.duplicated), str(row.unexpected),
                        row.recovery) for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADER))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |"
             for line in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def verdict(rows: list[Result]) -> str:
    """PASS, or FAIL naming every check that counted something lost, duplicated or unexpected."""
    failed = [row.check for row in rows if row.failed]
    return "PASS: nothing lost, duplicated or unexpected" if not failed else f"FAIL: {', '.join(failed)}"
