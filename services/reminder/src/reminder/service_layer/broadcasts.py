"""A notice to many customers at once (店外关怀: bad weather, a recall, an event [001]): one notification-only
reminder per customer of the broadcast rule, fired and sent by the scheduler like any other, so consent,
opt-outs, quiet hours and the reasons for not sending apply the same way."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder.adapters.clock import now
from reminder.adapters.rules import get_row, to_rule
from reminder.adapters.tables import customers, reminders
from reminder.domain.errors import Conflict

RULE = "broadcast"
CHUNK = 1000


def send(session: Session, message: str, due_at: datetime | None, store_id: str | None,
         scope: frozenset[str] | None) -> dict[str, Any]:
    """Plan the notice for every customer (of `store_id`, within the caller's stores); returns its id and reach."""
    row = get_row(session, RULE)
    rule = to_rule(row) if row is not None else None
    if rule is None or not rule.enabled:
        raise Conflict("The broadcast rule is switched off; switch it on to send notices.", rule=RULE)
    moment = now()
    due = max(due_at or moment, moment)
    query = select(customers.c.id).where(customers.c.erased_at.is_(None), customers.c.merged_into.is_(None))
    if store_id is not None:
        query = query.where(customers.c.store_id == store_id)
    if scope is not None:
        query = query.where(customers.c.store_id.in_(sorted(scope)))
    broadcast_id = str(uuid.uuid4())
    reach = 0
    ids = session.execute(query.order_by(customers.c.id)).scalars().all()
    for start in range(0, len(ids), CHUNK):
        session.execute(reminders.insert(), [{
            "id": str(uuid.uuid4()), "key": f"{RULE}:{broadcast_id}:{customer_id}", "rule_id": RULE, "kind": RULE,
            "customer_id": customer_id, "due_at": due, "status": "scheduled", "owner": None, "reason": message,
            "task": False, "created_at": moment} for customer_id in ids[start:start + CHUNK]])
        reach += len(ids[start:start + CHUNK])
    return {"broadcast_id": broadcast_id, "recipients": reach, "due_at": due, "channels": list(rule.channels)}
