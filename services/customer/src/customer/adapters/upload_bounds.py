"""How big an uploaded import file is, found out with a bound on the work, before a row is read.

An XLSX file is a zip archive: 280 KB of it can expand to two million rows. Its size unpacked is the sum
its zip directory declares (Python's zipfile never inflates an entry past its declared size, so the sum
bounds what reading can unpack). Its rows are counted in the sheet's XML as it is unpacked, a few
megabytes at a time, without parsing a cell, and the count stops one row past the limit; a CSV file's
records are counted by the csv module the same way. Blank rows count: they are read too.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from customer.adapters.spreadsheets import (
    TooLarge,
    UnreadableFile,
    csv_encoding,
    csv_records,
    open_workbook,
    too_many_rows,
)

_BLOCK = 4 * 1024 * 1024
_TAG = 4096
#: The sheet's root element, with the namespace prefix its elements are written with (usually none).
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
#: A row element (after "<" and the prefix, found as one literal: fast) and its number, when it gives one.
_ROW = rb"""row(?=[\s/>])(?:[^>]*?\sr\s*=\s*["'](\d+)["'])?[^>]*>"""


def uncompressed_size(path: Path, fmt: str) -> int:
    """The bytes the file holds once unpacked (a CSV file: its size)."""
    if fmt == "csv":
        return path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError) as exc:
        raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None


def check_size(path: Path, fmt: str, max_bytes: int) -> None:
    """TooLarge, naming the limit, when the file unpacks to more than `max_bytes`."""
    size = uncompressed_size(path, fmt)
    if size > max_bytes:
        raise TooLarge(f"The file holds {size:,} bytes{' unpacked' if fmt == 'xlsx' else ''}; an import takes at "
                       f"most {max_bytes:,} (CRM_IMPORT_MAX_UNCOMPRESSED_BYTES): split the file.")


def count_rows(path: Path, fmt: str, max_rows: int) -> int:
    """How many rows follow the header (blank ones too); TooLarge, naming the limit, past `max_rows`."""
    last = max_rows + 1
    if fmt == "csv":
        with path.open(encoding=csv_encoding(path), newline="") as handle:
            lines = 0
            for lines, _ in enumerate(csv_records(handle), start=1):  # noqa: B007 - counted, not used
                if lines > last:
                    raise too_many_rows(max_rows)
        return max(0, lines - 1)
    workbook = open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        recorded = sheet.max_row  # the sheet's recorded last row: reading stops there
        if recorded is not None and recorded <= last:
            return max(0, recorded - 1)
        with sheet._get_source() as source:  # the sheet's XML as openpyxl reads it (its path is openpyxl's)
            found = _last_row(source, min(recorded or last + 1, last + 1))
    finally:
        workbook.close()
    if found > last:
        raise too_many_rows(max_rows)
    return max(0, found - 1)


def _last_row(source, stop: int) -> int:
    """The number of the last row in the sheet's XML as openpyxl numbers them (its `r`, else one more than
    the row before), or the first number past `stop`."""
    number, tail, rows = 0, b"", None
    while block := source.read(_BLOCK):
        text = tail + block
        if rows is None:
            root = _ROOT.search(text)
            rows = re.compile(re.escape(b"<" + (root and root.group(1) or b"")) + _ROW)
        # a row's tag cut by the block's end is looked at with the next block (a tag is short: a long tail
        # is text, and keeping it would make the scan quadratic)
        end = text.rfind(b"<")
        text, tail = (text[:end], text[end:]) if 0 < end and len(text) - end < _TAG else (text, b"")
        for match in rows.finditer(text):
            given = match.group(1)
            number = int(given) if given else number + 1
            if number > stop:
                return number
    return number
