"""Storing imports: the job and its progress, its rows' errors, and new customers written in bulk."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from servicekit.db import bulk_insert
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from customer.adapters.customers import COLUMNS
from customer.adapters.rows import as_utc
from customer.adapters.tables import (
    consent_records,
    customer_imports,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
    history,
    import_errors,
)
from customer.domain.phones import digits
from customer.domain.pinyin import search_keys


class ImportRepository:
    """Imports in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: dict[str, Any]) -> None:
        """Keep a new import."""
        self.session.execute(insert(customer_imports).values(**job))

    def get(self, import_id: str) -> dict[str, Any] | None:
        """The import with this id, or None."""
        query = select(customer_imports).where(customer_imports.c.id == import_id)
        row = self.session.execute(query).mappings().first()
        if row is None:
            return None
        job = dict(row)
        for name in ("created_at", "updated_at", "finished_at"):
            job[name] = as_utc(job[name])
        return job

    def progress(self, import_id: str, at: datetime, rows: int, counts: dict[str, int],
                 errors: Sequence[tuple[int, str, str]]) -> None:
        """Add one chunk's rows, counts and errors to the import."""
        self.session.execute(update(customer_imports).where(customer_imports.c.id == import_id).values(
            rows_done=customer_imports.c.rows_done + rows, updated_at=at,
            **{name: customer_imports.c[name] + count for name, count in counts.items()}))
        if errors:
            self.session.execute(insert(import_errors), [
                {"import_id": import_id, "line": line, "column": column, "message": message[:1000]}
                for line, column, message in errors])

    def finish(self, import_id: str, at: datetime, status: str, problem: str | None = None) -> None:
        """Mark the import done (its total now the rows there were: a workbook's recorded size counts blank
        rows) or failed."""
        done = {"rows_total": customer_imports.c.rows_done} if status == "done" else {}
        self.session.execute(update(customer_imports).where(customer_imports.c.id == import_id).values(
            status=status, problem=problem, updated_at=at, finished_at=at, **done))

    def errors(self, import_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the import's errors in file order, and how many there are."""
        where = import_errors.c.import_id == import_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(select(import_errors.c.line, import_errors.c.column, import_errors.c.message)
                                    .where(where).order_by(import_errors.c.id).offset(offset).limit(limit))
        return [dict(row) for row in rows.mappings()], total


def phone_owners(session: Session, phones: Iterable[str]) -> dict[str, str]:
    """{phone: customer id} for those of `phones` (E.164) that belong to a customer."""
    wanted = list(dict.fromkeys(phones))
    if not wanted:
        return {}
    rows = session.execute(select(customer_phones.c.phone, customer_phones.c.customer_id)
                           .where(customer_phones.c.phone.in_(wanted)))
    return dict(rows.all())


def external_id_holders(session: Session, external_ids: Iterable[str]) -> dict[str, list[str]]:
    """{external id: ids of the (unmerged) customers that carry it}."""
    wanted = list(dict.fromkeys(external_ids))
    holders: dict[str, list[str]] = {}
    if wanted:
        for external_id, customer_id in session.execute(
                select(customers.c.external_id, customers.c.id)
                .where(customers.c.external_id.in_(wanted), customers.c.merged_into.is_(None))):
            holders.setdefault(external_id, []).append(customer_id)
    return holders


def add_customers(session: Session, records: Sequence[dict[str, Any]], actor: str,
                  changes: Sequence[dict[str, list[Any]]], consent_source: str) -> None:
    """Insert new customers with their phones, tags, search keys, "imported" history and the consent they
    gave, a bulk insert per table."""
    if not records:
        return
    columns = [name for name in COLUMNS if any(r.get(name) is not None for r in records)]
    bulk_insert(session, customers, [
        {"id": r["id"], "version": r["version"], "created_at": r["created_at"], "updated_at": r["updated_at"],
         **{name: r.get(name) for name in columns}} for r in records])
    bulk_insert(session, customer_phones, [
        {"phone": phone, "customer_id": r["id"], "position": position, "digits_reversed": digits(phone)[::-1]}
        for r in records for position, phone in enumerate([r["phone"], *r["phones"]])])
    bulk_insert(session, customer_tags, [{"customer_id": r["id"], "tag": tag} for r in records for tag in r["tags"]])
    bulk_insert(session, customer_search_keys, [
        {"customer_id": r["id"], "kind": key.kind, "position": key.position, "key": key.key}
        for r in records for key in search_keys(r["name"])])
    bulk_insert(session, history, [
        {"customer_id": r["id"], "at": r["created_at"], "actor": actor, "action": "imported", "changes": change}
        for r, change in zip(records, changes, strict=True)])
    # consent is opt-in: each channel granted is a grant given now, by this import (PIPL art. 14)
    bulk_insert(session, consent_records, [
        {"customer_id": r["id"], "channel": channel, "granted": True, "given_at": r["created_at"],
         "source": consent_source, "recorded_by": actor, "recorded_at": r["created_at"]}
        for r in records for channel, granted in r["consent"].items() if granted])
