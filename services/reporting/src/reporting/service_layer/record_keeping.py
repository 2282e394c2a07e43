"""Keeping a record of the read model and moving the tallies by the difference it made.

Every handler reads the record as it is (`row`), works out its new state, and passes both to `save`, which
keeps the new state, written when the transaction commits (reporting.adapters.record_cache); before that,
`settle` adds (new contribution − old contribution) of every record saved to the tallies
(reporting.domain.contributions).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from reporting.adapters import record_cache, record_queries, tally_writer
from reporting.adapters.tables import appointments, complaints, customers, merges, reminders, vehicles, visits
from reporting.config import process_time_zone
from reporting.domain import contributions as contrib
from reporting.domain import event_values, rfm

CONTRIBUTION_OF: dict[Table, Callable[[Any], contrib.Contribution]] = {
    customers: contrib.customer_contribution, vehicles: contrib.vehicle_contribution,
    visits: contrib.visit_contribution, complaints: contrib.complaint_contribution,
    reminders: contrib.reminder_contribution, appointments: contrib.appointment_contribution,
}
#: session.info flag: leave the tallies to the caller, who adds `contribution_of` each record's final state
#: (a bulk load of records that all start from nothing: the differences would add up to exactly that).
DEFER_TALLIES = "reporting.defer_tallies"
#: session.info: whether any merge stands (read once per transaction, then kept up to date).
ANY_MERGES = "reporting.any_merges"
#: session.info: {(table, key): the record's state before this transaction first saved it}, for `settle`.
_FIRST_STATES = "reporting.first_states"


def local_day(value: str | None) -> date | None:
    """An event time's day where the business is (CRM_TIMEZONE, read once per process)."""
    return event_values.local_day(value, process_time_zone())


def row(session: Session, table: Table, key: str) -> dict[str, Any] | None:
    """The record of `key` as it stands in this transaction, or None."""
    return record_cache.get(session, table, key)


def contribution_of(table: Table, state: Mapping[str, Any] | None) -> contrib.Contribution:
    """What a record of `table` in the state `state` (None: no record) adds to the tallies."""
    contribution = CONTRIBUTION_OF.get(table)
    if contribution is None:
        return {}
    if table is complaints and state is not None:
        state = {**state, "sla": json.loads(state["sla"]) if state.get("sla") else {}}
    return contribution(state)


def save(session: Session, table: Table, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep `after` (written at commit); the tallies move by the difference between the record's state before
    the transaction's first save of it and its last (`settle`: a record saved several times in a batch is
    compared once, and the differences in between add up to that one)."""
    if table is customers:
        after["fm"] = fm_cell(after.get("visit_count") or 0, after.get("spend_fen") or 0)
    if table in CONTRIBUTION_OF and not session.info.get(DEFER_TALLIES):
        session.info.setdefault(_FIRST_STATES, {}).setdefault((table, after[record_cache.key_column(table)]), before)
    record_cache.put(session, table, before, after)


def settle(session: Session) -> None:
    """Move the tallies by what each record saved in this transaction contributes now less what it contributed
    before its first save (done before the tallies are written)."""
    for (table, key), before in session.info.pop(_FIRST_STATES, {}).items():
        tally_writer.add(session, contrib.difference(contribution_of(table, before),
                                                     contribution_of(table, record_cache.peek(session, table, key))))


def forget(session: Session) -> None:
    """Drop the states remembered for `settle` (after a rollback)."""
    session.info.pop(_FIRST_STATES, None)


def fm_cell(visit_count: int, spend_fen: int) -> int:
    """10 × F + M of RFM (frequency and monetary scores, 1–5 each): kept on the customer and indexed with
    the last visit day, so that a segment's customers are a few index ranges (reports.segment_members)."""
    return rfm.frequency_score(visit_count) * 10 + rfm.monetary_score(spend_fen)


def any_merges(session: Session) -> bool:
    """Whether any merge stands (read once per transaction)."""
    if ANY_MERGES not in session.info:
        session.info[ANY_MERGES] = record_queries.any_merge(session)
    return session.info[ANY_MERGES]


def survivor(session: Session, customer_id: str) -> tuple[str, str | None]:
    """(the customer a record counts for now, the merged customer it came from or None)."""
    if not any_merges(session):
        return customer_id, None
    merge = record_cache.get(session, merges, customer_id)
    return (merge["survivor_id"], customer_id) if merge else (customer_id, None)


def store_of(session: Session, customer_id: str) -> str | None:
    """The store of the customer as the read model has it (None: not known)."""
    customer = row(session, customers, customer_id)
    return customer.get("store_id") if customer else None
