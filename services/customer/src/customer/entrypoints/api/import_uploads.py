"""The file of an import as it arrives: its format from its name, saved to a temporary file, checked (413 or
422 naming what is wrong), then read and imported in a background thread, which removes it."""
from __future__ import annotations

import contextvars
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servicekit.problems import Problem
from servicekit.view_context import sessions
from werkzeug.datastructures import FileStorage

from customer.domain.import_files import FORMATS, TooLarge, UnreadableFile
from customer.domain.transfer import UnreadableHeader, read_header
from customer.entrypoints.api.row_checks import check_row
from customer.service_layer import import_files, imports

log = logging.getLogger(__name__)


def format_of(filename: str) -> str:
    """The file's format from its name's suffix (422 unless .csv or .xlsx)."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise Problem(422, "Unprocessable Entity", "Send a .csv or .xlsx file.",
                      errors={"file": [f"{filename!r} is neither .csv nor .xlsx."]})
    return suffix


@contextmanager
def saved(storage: FileStorage, fmt: str, prefix: str) -> Iterator[Path]:
    """The upload saved to a temporary file; until the import's thread has the file, it is removed whatever
    happens in the block (a refusal, an error)."""
    handle, name = tempfile.mkstemp(suffix=f".{fmt}", prefix=prefix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            storage.save(out)
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def checked(path: Path, fmt: str, limits: imports.ImportLimits,
            read: import_files.HeaderReader = read_header) -> tuple[int, list[str | None]]:
    """The rows after the header of a file that can be imported, and the fields of its columns (`read` reads
    the header); else a 413 or 422 naming what is wrong."""
    try:
        return import_files.check_file(path, fmt, limits, read)
    except TooLarge as exc:
        raise Problem(413, "Content Too Large", str(exc), errors={"file": [str(exc)]}) from None
    except (UnreadableFile, UnreadableHeader) as exc:
        errors = exc.errors if isinstance(exc, UnreadableHeader) else {"file": [str(exc)]}
        raise Problem(422, "Unprocessable Entity", f"The file cannot be imported: {exc}",
                      errors={column: [message] if isinstance(message, str) else message
                              for column, message in errors.items()}) from None


def run_in_background(job_id: str, options: imports.ImportOptions, path: Path, max_rows: int,
                      run: Any = None) -> None:
    """Import the file's rows in a thread of its own (`run`, or a customer import), then remove the file."""
    app_sessions = sessions()
    context = contextvars.copy_context()  # the request id travels into every event the import writes

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from import_files.file_rows(path, options.fmt, max_rows)
        finally:
            path.unlink(missing_ok=True)  # read to the end: gone before the import is marked done

    def work() -> None:
        try:
            if run is None:
                imports.run_import(app_sessions, job_id, options, rows(), check_row)
            else:
                run(app_sessions, job_id, options, rows())
        except Exception:
            log.exception("import %s failed", job_id)
        finally:
            path.unlink(missing_ok=True)

    threading.Thread(target=context.run, args=(work,), name=f"import-{job_id}", daemon=True).start()
