"""What every report shares: its envelope (name, period, freshness) and the dimension lists."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.service_layer.periods import EPOCH, LOST_AFTER_DAYS, Period, grouped

#: The keys every report's data starts with (the monthly summary leaves them out of its parts).
ENVELOPE = ("report", "from", "to", "store", "stores", "freshness")


def envelope(session: Session, name: str, period: Period) -> dict[str, Any]:
    """The report's name, its period and stores, and how fresh the read model is."""
    return {"report": name, **period.describe(), "freshness": tally_reader.read_freshness(session)}


def by_dimension(rows: list[dict], dimensions: tuple[str, ...], amount_name: str | None = None) -> dict:
    """{dimension: [{value, count[, amount_name]}]}, most counted first, from rows keyed (dimension, value)."""
    by = grouped(rows)
    result = {}
    for dimension in dimensions:
        items = sorted(by.get(dimension, []), key=lambda row: (-row["count"], row["key2"]))
        result[dimension] = [{"value": row["key2"], "count": row["count"],
                              **({amount_name: row["amount"]} if amount_name else {})} for row in items]
    return result


def dimension_rows(dimensions: dict[str, list[dict]], *fields: str) -> list[list[Any]]:
    """The CSV rows of `by_dimension`'s result: dimension, value, then `fields` of each item."""
    return [[dimension, item["value"], *(item[name] for name in fields)]
            for dimension, items in dimensions.items() for item in items]


def lost_as_of(session: Session, period: Period, kind: str | None = None) -> int:
    """Customers (of `kind`; None: any) with no visit in the LOST_AFTER_DAYS before the end of the period."""
    cutoff = period.end - timedelta(days=LOST_AFTER_DAYS)
    rows = tally_reader.totals(session, "last_visit", EPOCH, cutoff, period.stores, by=("key1",))
    return sum(row["count"] for row in rows if kind is None or row["key1"] == kind)
