"""From what we know of a customer to the reminders they should have: one pure function, `plan`.

Each planned reminder has a key naming what it is about (rule, asset or customer, and the fact it hangs
on: the delivery day, the last service, the birthday's year …). Reconciling a customer compares keys:
a key no longer planned cancels its reminder, a planned key moves its due time, a new key is added.
"""
from __future__ import annotations

from reminder.domain.planning_by_kind import PLANNERS
from reminder.domain.planning_facts import AssetFacts, ComplaintFacts, Context, CustomerFacts, Planned
from reminder.domain.reminder_rules import Rule


def plan(customer: CustomerFacts, assets: list[AssetFacts], complaints: list[ComplaintFacts], rules: list[Rule],
         context: Context) -> list[Planned]:
    """Every reminder `customer` should have under the enabled `rules` (none once erased)."""
    if customer.erased:
        return []
    planned: list[Planned] = []
    for rule in rules:
        if rule.enabled and rule.kind in PLANNERS:
            planned.extend(PLANNERS[rule.kind](rule, customer, assets, complaints, context,
                                               rule.owner or customer.owner))
    return planned
