"""Reading and writing CSV and XLSX files row by row, so neither size of file is held in memory.

XLSX through openpyxl's read-only and write-only modes (https://openpyxl.readthedocs.io/en/stable/optimized.html).
CSV from Excel comes as UTF-8 with a byte-order mark or, from a Chinese Excel, as GB18030: both are read.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from servicekit.cells import csv_row, csv_writer, unquoted, xlsx_row

FORMATS = ("csv", "xlsx")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 64 * 1024


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file we can read."""


def _csv_encoding(path: Path) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            with path.open(encoding=encoding, newline="") as handle:
                while handle.read(_CHUNK):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The CSV file is neither UTF-8 nor GB18030 text.")


def _unquoted(cells: Sequence[Any]) -> list[Any]:
    return [unquoted(cell) if type(cell) is str and cell[:1] == "'" else cell for cell in cells]


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, Sequence[Any]]]:
    """(line number as a spreadsheet shows it, cells) of every row, the header row (line 1) first; text
    without the quote an export put before a formula-like value (servicekit.cells.unquoted)."""
    if fmt == "csv":
        with path.open(encoding=_csv_encoding(path), newline="") as handle:
            reader = csv.reader(handle)
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    # a quote starts a cell only in what an export quoted: the row is looked at once for it
                    yield reader.line_num, _unquoted(cells) if "'" in "".join(cells) else cells
        return
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a file that is no workbook
        raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None
    try:
        for line, cells in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if any(cell is not None and cell != "" for cell in cells):
                yield line, _unquoted(cells)
    finally:
        workbook.close()


def count_rows(path: Path, fmt: str) -> int:
    """How many rows follow the header (for progress; for a workbook, from its recorded dimensions when it
    has them, so a large upload is answered at once)."""
    if fmt == "xlsx":
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # as in read_rows: a file that is no workbook
            raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None
        try:
            recorded = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        if recorded is not None:
            return max(0, recorded - 1)
    return max(0, sum(1 for _ in read_rows(path, fmt)) - 1)


def csv_chunks(rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """CSV text (UTF-8 with a byte-order mark, so Excel reads the Chinese right) in chunks of about 64 KiB, with
    no cell a spreadsheet would evaluate (servicekit.cells)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    yield "\ufeff".encode()
    for row in rows:
        writer.writerow(csv_row(row))
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(rows: Iterable[Sequence[Any]], title: str) -> Iterator[bytes]:
    """An XLSX workbook of `rows`, written row by row to a temporary file and then read out in chunks; text
    as text cells, never formulas (servicekit.cells)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            yield chunk
