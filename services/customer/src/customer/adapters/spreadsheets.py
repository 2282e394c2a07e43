"""Reading and writing CSV and XLSX files row by row, so neither size of file is held in memory.

XLSX through openpyxl's read-only and write-only modes (https://openpyxl.readthedocs.io/en/stable/optimized.html).
CSV from Excel comes as UTF-8 with a byte-order mark or, from a Chinese Excel, as GB18030: both are read.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse
from servicekit.cells import csv_row, csv_writer, unquoted, xlsx_row

from customer.domain.import_files import TooLarge, UnreadableFile

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 64 * 1024


def too_many_rows(max_rows: int) -> TooLarge:
    """The refusal of a file with more than `max_rows` rows after the header."""
    return TooLarge(f"The file has more than {max_rows:,} rows after the header (blank rows count: they are "
                    f"read too); an import takes at most {max_rows:,} (CRM_IMPORT_MAX_ROWS): split the file.")


def csv_records(handle: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(its last line, its cells) of each record of CSV text; a cell longer than the csv module's field limit
    is a TooLarge naming it."""
    reader = csv.reader(handle)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TooLarge(f"Line {reader.line_num}: a cell is longer than {csv.field_size_limit():,} characters, "
                           "the most a cell of a CSV file may hold.") from None
        raise UnreadableFile(f"Line {reader.line_num}: {exc}.") from None


def csv_encoding(path: Path) -> str:
    """The encoding the CSV file is written in (UTF-8, with or without a byte-order mark, or GB18030)."""
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


def recorded_size(source: IO[bytes]) -> tuple[int, int, int, int] | None:
    """The size a sheet's XML records (its <dimension>: first column, first row, last column, last row),
    looked for up to the start of its rows only."""
    for _, element in iterparse(source, events=("start",)):
        if element.tag == DIMENSION_TAG:
            # openpyxl types a parsed <dimension> and its bounds as optional
            return SheetDimension.from_tree(element).boundaries  # type: ignore[union-attr,return-value]
        if element.tag == DATA_TAG:
            return None
    return None


def _recorded_size(sheet: ReadOnlyWorksheet) -> None:
    """openpyxl's ReadOnlyWorksheet._get_size, reading only up to the sheet's rows.

    openpyxl's own (run for every sheet as a workbook opens) waits for the *end* of <sheetData> when a sheet
    records no size, as openpyxl's own write-only files do: it parses the whole sheet, every row of a
    two-million-row one (minutes), before anything can be read or counted."""
    # openpyxl's private parts, which this replacement of its size reader works with
    with sheet._get_source() as source:  # type: ignore[attr-defined]
        size = recorded_size(source)
    if size is not None:
        sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = size  # type: ignore[attr-defined]


ReadOnlyWorksheet._get_size = _recorded_size  # type: ignore[attr-defined]


def open_workbook(path: Path) -> Any:
    """The workbook in read-only mode; UnreadableFile when the file is none."""
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a file that is no workbook
        raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None


def read_rows(path: Path, fmt: str,
              max_rows: int | None = None) -> Generator[tuple[int, Sequence[Any]], None, None]:
    """(line number as a spreadsheet shows it, cells) of every row, the header row (line 1) first; text
    without the quote an export put before a formula-like value (servicekit.cells.unquoted). With
    `max_rows`, no more than that many rows after the header are read: a row past them is a TooLarge."""
    last = None if max_rows is None else max_rows + 1
    if fmt == "csv":
        yield from _csv_rows(path, last, max_rows or 0)
    else:
        yield from _xlsx_rows(path, last, max_rows or 0)


def _csv_rows(path: Path, last: int | None, max_rows: int) -> Iterator[tuple[int, Sequence[Any]]]:
    with path.open(encoding=csv_encoding(path), newline="") as handle:
        for record, (line, cells) in enumerate(csv_records(handle), start=1):
            if last is not None and record > last:
                raise too_many_rows(max_rows)
            if any(cell.strip() for cell in cells):
                # a quote starts a cell only in what an export quoted: the row is looked at once for it
                yield line, _unquoted(cells) if "'" in "".join(cells) else cells


def _xlsx_rows(path: Path, last: int | None, max_rows: int) -> Iterator[tuple[int, Sequence[Any]]]:
    workbook = open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        # openpyxl reads up to the sheet's recorded last row, or to the end when none is recorded: one row
        # more than allowed is read at most, to tell a file that has it
        stop = None if last is None else min(sheet.max_row or last + 1, last + 1)
        for line, cells in enumerate(sheet.iter_rows(max_row=stop, values_only=True), start=1):
            if last is not None and line > last:
                raise too_many_rows(max_rows)
            if any(cell is not None and cell != "" for cell in cells):
                yield line, _unquoted(cells)
    finally:
        workbook.close()


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
