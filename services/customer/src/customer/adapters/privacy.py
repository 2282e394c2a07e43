"""Everything held about one customer, read in one go; and the erasure of it, table by table."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from servicekit.db import flush_erased, outbox
from servicekit.timestamps import as_utc
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from customer.adapters.consents import ConsentRepository
from customer.adapters.customers import COLUMNS, CustomerRepository
from customer.adapters.tables import (
    assets,
    customer_emails,
    customer_merges,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
    history,
    import_errors,
    odometer_readings,
    points_ledger,
    visits,
)
from customer.domain.privacy import PERSONAL_ASSET_FIELDS, PERSONAL_VISIT_FIELDS, scrub_changes, scrub_event_data
from servicekit import idempotency


def _rows(session: Session, query) -> list[dict[str, Any]]:
    result = []
    for row in session.execute(query).mappings():
        result.append({key: as_utc(value) if isinstance(value, datetime) else value for key, value in row.items()})
    return result


def personal_data(session: Session, customer_id: str) -> dict[str, Any] | None:
    """Every record this service holds about the customer (and the records merged into it), or None."""
    customer = CustomerRepository(session).get(customer_id)
    if customer is None:
        return None
    merged_ids = list(session.execute(select(customers.c.id).where(customers.c.merged_into == customer_id)).scalars())
    asset_rows = _rows(session, select(assets).where(assets.c.customer_id == customer_id).order_by(assets.c.created_at))
    readings = _rows(session, select(odometer_readings).where(
        odometer_readings.c.asset_id.in_([asset["id"] for asset in asset_rows])).order_by(odometer_readings.c.id))
    for asset in asset_rows:
        asset["odometer_readings"] = [reading for reading in readings if reading["asset_id"] == asset["id"]]
    return {
        "customer": customer,
        "merged_records": CustomerRepository(session).many(merged_ids),
        "assets": asset_rows,
        "visits": _rows(session, select(visits).where(visits.c.customer_id == customer_id)
                        .order_by(visits.c.occurred_at)),
        "points_ledger": _rows(session, select(points_ledger).where(points_ledger.c.customer_id == customer_id)
                               .order_by(points_ledger.c.id)),
        "consent_records": ConsentRepository(session).of_customer(customer_id),
        "history": _rows(session, select(history.c.at, history.c.actor, history.c.action, history.c.changes)
                         .where(history.c.customer_id == customer_id).order_by(history.c.id)),
    }


def erase_records(session: Session, customer_id: str, erased: dict[str, Any], moment: datetime) -> None:
    """Write the erased fields of a customer and remove personal data from every table that holds it.

    Phones, tags and name search keys are deleted (the numbers are free for someone else); plates,
    VINs and visit notes emptied; history keeps who changed what when, with personal values masked;
    merge snapshots lose their personal values too and can no longer be undone.
    """
    session.execute(update(customers).where(customers.c.id == customer_id).values(
        version=customers.c.version + 1, updated_at=moment, erased_at=moment,
        **{name: erased[name] for name in COLUMNS if name in erased and name not in ("erased_at",)}))
    for table in (customer_phones, customer_emails, customer_tags, customer_search_keys):
        session.execute(delete(table).where(table.c.customer_id == customer_id))
    session.execute(update(assets).where(assets.c.customer_id == customer_id)
                    .values(**dict.fromkeys(PERSONAL_ASSET_FIELDS)))
    session.execute(update(visits).where(visits.c.customer_id == customer_id)
                    .values(**dict.fromkeys(PERSONAL_VISIT_FIELDS)))
    for entry_id, changes in session.execute(select(history.c.id, history.c.changes)
                                             .where(history.c.customer_id == customer_id)).all():
        scrubbed = scrub_changes(changes or {})
        if scrubbed != changes:
            session.execute(update(history).where(history.c.id == entry_id).values(changes=scrubbed))
    session.execute(update(customer_merges).where(
        or_(customer_merges.c.survivor_id == customer_id, customer_merges.c.merged_id == customer_id))
        .values(survivor_before={}, merged_before={}, choices={},
                undo_until=moment))
    # an import's report names the customer who already held a number, beside the number
    session.execute(update(import_errors).where(import_errors.c.message.contains(f"customer {customer_id}"))
                    .values(message="Already held by a customer whose personal data has since been erased."))
    # answers kept for replays of writes (Idempotency-Key, 24 hours) would show the person again
    idempotency.forget(session, [customer_id])
    flush_erased(session)
    _scrub_outbox(session, customer_id)


def _scrub_outbox(session: Session, customer_id: str) -> None:
    """Remove personal values from the customer's stored events (published or not): the outbox is replayed."""
    for row_id, body in session.execute(select(outbox.c.id, outbox.c.body).where(outbox.c.subject == customer_id)):
        event = json.loads(body)
        data = event.get("data")
        if isinstance(data, dict):
            scrubbed = {**event, "data": scrub_event_data(data)}
            if scrubbed != event:
                session.execute(update(outbox).where(outbox.c.id == row_id)
                                .values(body=json.dumps(scrubbed, ensure_ascii=False)))

