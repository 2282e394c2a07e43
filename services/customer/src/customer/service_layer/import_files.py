"""Use cases on the file of an import: whether it can be imported (its size, its rows, its header), then its
rows. Each check is bounded: the size from the file system or the zip directory, the rows (and a workbook's
table of text) counted up to one past the limit, then the header from the first row."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from customer.adapters.spreadsheets import read_rows
from customer.adapters.upload_bounds import check_size, count_rows
from customer.domain.transfer import read_header
from customer.service_layer.imports import ImportLimits

#: What reads a file's header: its first row's cells -> the field of each column (UnreadableHeader if none).
HeaderReader = Callable[[Sequence[Any]], list[str | None]]


def check_file(path: Path, fmt: str, limits: ImportLimits,
               read: HeaderReader = read_header) -> tuple[int, list[str | None]]:
    """The rows after the header of a file that can be imported, and the fields of its columns (`read` reads
    the header); else TooLarge, UnreadableFile or UnreadableHeader naming what is wrong."""
    check_size(path, fmt, limits.max_bytes)
    total = count_rows(path, fmt, limits.max_rows)
    with closing(read_rows(path, fmt)) as rows:  # a workbook is opened only now, known to be bounded
        _, header = next(rows, (1, []))
    return total, read(header)


def file_rows(path: Path, fmt: str, max_rows: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """The file's rows, the header (line 1) first, each with its line number as a spreadsheet shows it
    (TooLarge past `max_rows` rows after the header)."""
    return read_rows(path, fmt, max_rows)
