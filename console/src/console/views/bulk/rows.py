"""Which rows a bulk action takes (ticked one by one, or every row matching a filter), and running it on each of
them, a few at a time."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from console.api import Api, ApiError, api
from console.views.bulk.common import settings

if TYPE_CHECKING:
    from console.views.bulk.screens import Screen

#: Rows asked for at once while finding every row matching a filter (the services' largest page).
RESOLVE_PAGE_SIZE = 200
#: What a row id looks like (ids go into API paths).
ROW_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Row:
    """One chosen row: its id, its name as the list shows it, and what the API said of it when it was listed."""

    id: str
    name: str
    item: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Outcome:
    """What a bulk action did: the rows it succeeded on, and each failure with the API's reason."""

    action: str
    succeeded: list[Row] = field(default_factory=list)
    failed: list[tuple[Row, str]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


class TooMany(Exception):
    """More rows match the filter than one bulk action takes."""

    def __init__(self, total: int, limit: int) -> None:
        super().__init__(total)
        self.total, self.limit = total, limit


def matching_rows(screen: Screen, filters: dict[str, str]) -> list[Row]:
    """Every row the API lists with `filters`, paging through it; TooMany beyond the bulk limit."""
    limit = settings().bulk_limit
    size = min(RESOLVE_PAGE_SIZE, max(limit, 1))
    first = api().page(screen.path, page=1, page_size=size, **filters)
    if first.total > limit:
        raise TooMany(first.total, limit)
    pages = [first]
    rest = range(2, -(-first.total // size) + 1)
    found = api().gather({str(number): _page_of(screen.path, number, size, filters) for number in rest})
    for number in rest:
        if isinstance(found[str(number)], ApiError):
            raise found[str(number)]
        pages.append(found[str(number)])
    rows: dict[str, Row] = {}
    for item in (item for listed in pages for item in listed.items):
        rows.setdefault(str(item["id"]), Row(str(item["id"]), screen.name_of(item), item))
    return list(rows.values())[:limit]


def ticked_rows(form: MultiDict[str, str]) -> list[Row]:
    """The rows ticked one by one, named as the list showed them."""
    ids = dict.fromkeys(value for value in form.getlist("ids") if ROW_ID.fullmatch(value or ""))
    return [Row(row_id, form.get(f"name.{row_id}") or row_id) for row_id in ids]


def run(action: str, rows: list[Row], call: Callable[[Api, Row], Any]) -> Outcome:
    """`call` on every row, a few at a time; each success and each failure with its reason."""
    outcome = Outcome(action)
    at_once = max(1, settings().bulk_concurrency)
    for start in range(0, len(rows), at_once):
        chunk = rows[start:start + at_once]
        results = api().gather({row.id: _call_on(call, row) for row in chunk})
        for row in chunk:
            result = results[row.id]
            if isinstance(result, ApiError):
                outcome.failed.append((row, reason(result)))
            else:
                outcome.succeeded.append(row)
                outcome.results[row.id] = result
    return outcome


def _page_of(path: str, number: int, size: int, filters: dict[str, Any]) -> Callable[[Api], Any]:
    """A call fetching page `number` of `path`."""
    return lambda a: a.page(path, page=number, page_size=size, **filters)


def _call_on(call: Callable[[Api, Row], Any], row: Row) -> Callable[[Api], Any]:
    """`call` bound to `row`."""
    return lambda a: call(a, row)


def reason(error: ApiError) -> str:
    """Why the API refused a row, in its own words (with a 422's messages by field)."""
    if error.unavailable:
        return _("The part of the system that does this is unavailable; try again shortly.")
    messages = [message for found in error.errors.values() for message in found]
    return " ".join([error.message, *[message for message in messages if message != error.message]])
