"""The customers of one RFM segment, a page at a time (the `members` of the value report)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import segment_members as members
from reporting.domain import rfm
from reporting.service_layer.periods import EPOCH, Period
from reporting.service_layer.reports.value import RECENCY_BANDS, rfm_counts


def segment_customers(session: Session, period: Period, segment: str, page: int, page_size: int,
                      total: int | None = None, after: str | None = None) -> dict[str, Any]:
    """The customers of one RFM segment as of the end of the period, most recent visit first (a page).

    `after` (the `next` of the page before: last visit day and id of its last customer) reads on from there
    (keyset pagination: as cheap on page 1,000 as on page 1); without it, `page` counts pages from the top.
    A segment is a set of (recency band, F, M) cells; each cell is one range of the customers' index on
    (fm, last_visit_day, id), read newest first for at most a page, and a band's cells are merged in one
    query; bands are read newest first until the page is full. So a page reads at most a page per cell
    whatever the size of the segment. `total` is the segment's size when the caller knows it.
    """
    cursor = parse_cursor(after) if after else None
    skip = 0 if cursor else (page - 1) * page_size
    rows = _newest(session, period, segment, cursor, skip + page_size)[skip:]
    if total is None:
        total = _segment_size(session, period, segment)
    last = rows[-1] if len(rows) == page_size else None
    return {"segment": segment, "page": None if cursor else page, "page_size": page_size, "total": total,
            "next": f"{_iso_day(last.last_visit_day)},{last.id}" if last is not None else None,
            "customers": [{"id": row.id, "name": row.name, "phone": row.phone, "kind": row.kind,
                           "store_id": row.store_id, "last_visit_day": _iso_day(row.last_visit_day),
                           "visits": row.visit_count, "spend": f"{row.spend_fen / 100:.2f}"} for row in rows]}


def _newest(session: Session, period: Period, segment: str, cursor: tuple[date, str] | None,
            needed: int) -> list[Any]:
    """The segment's `needed` customers of most recent visit (after `cursor`): bands newest first, stopping
    once enough are found (older bands are then not read)."""
    found: list[Any] = []
    for score, near, far in RECENCY_BANDS:
        low, high = EPOCH if far is None else period.end - timedelta(days=far), period.end - timedelta(days=near)
        if cursor is not None and cursor[0] < low:
            continue
        cells = [f * 10 + m for f in range(1, 6) for m in range(1, 6) if rfm.segment_of(score, f, m) == segment]
        if cells:
            found += members.newest_in_cells(session, cells, low, high, period.stores, cursor, needed - len(found))
        if len(found) >= needed:
            break
    return found


def parse_cursor(after: str) -> tuple[date, str]:
    """(last visit day, id) of a page's `next`; ValueError when it is not one."""
    day, _, customer_id = after.partition(",")
    if not customer_id:
        raise ValueError("expected YYYY-MM-DD,<customer id>")
    return date.fromisoformat(day), customer_id


def _segment_size(session: Session, period: Period, segment: str) -> int:
    counts = rfm_counts(session, period)
    return sum(count for (r, f, m), count in counts.items() if rfm.segment_of(r, f, m) == segment)


def _iso_day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
