"""A notice to many customers at once (店外关怀: bad weather, a recall, an event [001]): one notification-only
reminder per customer of the broadcast rule, fired and sent by the scheduler like any other, so consent,
opt-outs, quiet hours and the reasons for not sending apply the same way."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.errors import Conflict, check_reach

RULE = "broadcast"
CHUNK = 1000


def send(sessions: sessionmaker[Session], message: str, due_at: datetime | None, store_id: str | None,
         scope: frozenset[str] | None) -> dict[str, Any]:
    """Plan the notice for every customer (of `store_id`, within the caller's stores); returns its id and reach."""
    if store_id is not None:
        check_reach(scope, store_id)
    with unit_of_work(sessions) as session:
        rule = RuleRepository(session).get(RULE)
        if rule is None or not rule.enabled:
            raise Conflict("The broadcast rule is switched off; switch it on to send notices.", rule=RULE)
        moment = now()
        due = max(due_at or moment, moment)
        broadcast_id = str(uuid.uuid4())
        ids = CustomerCopy(session).reachable_ids(store_id, scope)
        repository = ReminderRepository(session)
        for start in range(0, len(ids), CHUNK):
            repository.add_many([{
                "id": str(uuid.uuid4()), "key": f"{RULE}:{broadcast_id}:{customer_id}", "rule_id": RULE,
                "kind": RULE, "customer_id": customer_id, "due_at": due, "status": "scheduled", "owner": None,
                "reason": message, "task": False, "created_at": moment} for customer_id in ids[start:start + CHUNK]])
    return {"broadcast_id": broadcast_id, "recipients": len(ids), "due_at": due, "channels": list(rule.channels)}
