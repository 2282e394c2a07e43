"""How big an uploaded import file is, found out with a bound on the work, before a row is read.

An XLSX file is a zip archive: 280 KB of it can expand to two million rows. Its size unpacked is the sum
its zip directory declares (Python's zipfile never inflates an entry past its declared size, so the sum
bounds what reading can unpack). Its rows are counted in the sheet's XML as it is unpacked, a few
megabytes at a time, without parsing a cell, and the count stops one row past the limit; so are the entries
of its table of text (which openpyxl loads whole as the workbook opens), up to a number its rows can use.
A CSV file's records are counted by the csv module the same way. Blank rows count: they are read too.
None of it opens the workbook: that comes after, once it is known to be bounded.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS

from customer.adapters.spreadsheets import csv_encoding, csv_records, recorded_size, too_many_rows
from customer.domain.import_files import TooLarge, UnreadableFile

#: Entries of a workbook's table of text (shared strings) allowed for each row of its sheet: an import reads
#: at most a few dozen columns, each cell one entry at most; a table of millions of entries in a file of a few
#: rows (a few kilobytes packed) would take openpyxl minutes to load as the workbook opens.
STRINGS_PER_ROW = 64
_BLOCK = 4 * 1024 * 1024
_TAG = 4096
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
    """How many rows follow the header (blank ones too); TooLarge, naming the limit, past `max_rows`, or for
    a workbook whose table of text holds more than STRINGS_PER_ROW entries a row."""
    last = max_rows + 1
    if fmt == "csv":
        with path.open(encoding=csv_encoding(path), newline="") as handle:
            lines = 0
            for lines, _ in enumerate(csv_records(handle), start=1):  # noqa: B007 - counted, not used
                if lines > last:
                    raise too_many_rows(max_rows)
        return max(0, lines - 1)
    sheet, strings = _parts(path)
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open(sheet) as source:
                size = recorded_size(source)
            found = None if size is None else size[3]  # reading stops at the sheet's recorded last row
            if found is None or found > last:
                with archive.open(sheet) as source:
                    found = _last_row(source, min(found or last + 1, last + 1))
            if found > last:
                raise too_many_rows(max_rows)
            if strings is not None:
                with archive.open(strings) as source:
                    _check_strings(source, (found + 1) * STRINGS_PER_ROW)
    except TooLarge:
        raise
    except Exception as exc:  # zipfile, zlib and the XML parser each raise their own for a damaged part
        raise UnreadableFile(f"The workbook cannot be read ({exc.__class__.__name__}).") from None
    return max(0, found - 1)


def _parts(path: Path) -> tuple[str, str | None]:
    """The paths in the archive of the first worksheet and of the table of text (shared strings), from the
    package's manifest and workbook parts: what openpyxl reads first, without the table itself (which it
    loads whole as a workbook opens)."""
    try:
        reader = ExcelReader(str(path), read_only=True)
    except Exception as exc:  # as open_workbook: a file that is no workbook
        raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None
    try:
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        reader.read_workbook()
        sheet = next((rel.target for _, rel in reader.parser.find_sheets()
                      if rel.target in reader.valid_files and "chartsheet" not in rel.Type), None)
    except Exception as exc:
        raise UnreadableFile(f"The file is not an XLSX workbook ({exc.__class__.__name__}).") from None
    finally:
        reader.archive.close()
    if sheet is None:
        raise UnreadableFile("The workbook has no worksheet.")
    return sheet, strings.PartName.lstrip("/") if strings is not None else None


def _blocks(source: IO[bytes], root: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(the namespace prefix of `root`, the root element, then a few megabytes of XML) at a time; an element's
    tag cut by a block's end is kept for the next block (a tag is short: a long tail is text, and keeping it
    would make the scan quadratic)."""
    tail, prefix = b"", None
    while block := source.read(_BLOCK):
        text = tail + block
        if prefix is None:
            found = re.search(rb"<([A-Za-z_][\w.-]*:)?" + root + rb"[\s>]", text)
            prefix = found and found.group(1) or b""
        end = text.rfind(b"<")
        text, tail = (text[:end], text[end:]) if 0 < end and len(text) - end < _TAG else (text, b"")
        yield prefix, text
    if tail:
        yield prefix or b"", tail


def _last_row(source: IO[bytes], stop: int) -> int:
    """The number of the last row in the sheet's XML as openpyxl numbers them (its `r`, else one more than
    the row before), or the first number past `stop`."""
    number, rows = 0, None
    for prefix, text in _blocks(source, b"worksheet"):
        rows = rows or re.compile(re.escape(b"<" + prefix) + _ROW)
        for match in rows.finditer(text):
            given = match.group(1)
            number = int(given) if given else number + 1
            if number > stop:
                return number
    return number


def _check_strings(source: IO[bytes], most: int) -> None:
    """TooLarge when the table of text holds more than `most` entries (counted up to one past it)."""
    count, entries = 0, None
    for prefix, text in _blocks(source, b"sst"):
        entries = entries or re.compile(re.escape(b"<" + prefix) + rb"si[\s/>]")
        count += sum(1 for _ in entries.finditer(text))
        if count > most:
            raise TooLarge(f"The workbook's table of text holds more than {most:,} entries, "
                           f"{STRINGS_PER_ROW} for each of its rows: more than its rows can use.")
