"""Spreadsheet cells that a spreadsheet program shows and never evaluates: every CSV and XLSX export.

A text cell starting with = + - @ TAB or CR is read as a formula by Excel, LibreOffice and Google Sheets
(a customer named `=HYPERLINK("http://…"&A1,"click")` becomes a live link carrying the row out). As the
OWASP guidance says (https://owasp.org/www-community/attacks/CSV_Injection), such text is written with a
single quote before it, and every text cell is enclosed in double quotes so that no separator inside it
(a `;` to a spreadsheet set to semicolons) starts a new cell. Numbers stay numbers: Python writes an int
or a finite float as a plain numeric literal (-12.5), which a spreadsheet reads as a number, never as a
formula. In an XLSX file text is stored as text (never a formula or an error cell) with Excel's "quote
prefix" on the risky ones, so the cell stays text even when someone edits it.

The quote is added only before those characters, and before text that already starts with quotes followed
by one of them (in XLSX only the latter), so `unquoted` undoes it exactly: a file exported and imported
again gives the same values, and a CSV export saved as XLSX by a spreadsheet program too.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: What makes a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text the quote is put before: a formula start, after any quotes (so that `unquoted` is exact).
_QUOTABLE = re.compile(r"'*[=+\-@\t\r]").match
#: Text an import takes the quote off: what `csv_cell` wrote, a quote and then a quotable text.
_QUOTED = re.compile(r"'+[=+\-@\t\r]").match


def csv_cell(value: Any) -> Any:
    """The value as a CSV export writes it: text quoted when a spreadsheet would evaluate it, a real
    number as it is, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, int) or isinstance(value, float) and math.isfinite(value):
        return value  # True and False among them, written bare as before
    text = value if isinstance(value, str) else str(value)
    return "'" + text if _QUOTABLE(text) else text


def csv_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of `row` as `csv_cell` writes it."""
    return [csv_cell(value) for value in row]


def csv_writer(out: Any, **options: Any) -> Any:
    """A csv.writer on `out` that encloses every text cell in double quotes and leaves numbers bare; give it
    rows made by `csv_row`."""
    return csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, **options)


def unquoted(text: str) -> str:
    """A cell of an imported file without the quote an export put before it (other text as it is)."""
    return text[1:] if _QUOTED(text) else text


def xlsx_row(sheet: WriteOnlyWorksheet, row: Sequence[Any]) -> list[Any]:
    """`row` as cells to append to a write-only sheet: text always a text cell (never a formula or an error
    value such as #N/A), quote-prefixed when it starts like a formula; numbers, dates and None as they are."""
    return [_text_cell(sheet, value) if isinstance(value, str) else value for value in row]


def _text_cell(sheet: WriteOnlyWorksheet, text: str) -> Any:
    if _QUOTED(text):
        text = "'" + text  # as in a CSV file, so that an import's `unquoted` gives the text back exactly
    if text[:1] not in FORMULA_STARTS and not text.startswith("#"):
        return text  # openpyxl stores it as text already: no cell object needed
    # imported here: services that write only CSV (reporting) do not load openpyxl (half a second)
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error; both are text here
    if text[:1] in FORMULA_STARTS:
        cell.quotePrefix = True
    return cell
