"""The facts a reminder's message may say, read from this service's copy when the reminder fires (the
vehicle's plate and model, the dates the rule hangs on, the store), and the text composed from the rule's
template — never from the reminder's internal reason."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder.adapters.clock import aware
from reminder.adapters.tables import appointments, assets
from reminder.config import ReminderSettings
from reminder.domain.calendar import add_months
from reminder.domain.festivals import next_festival
from reminder.domain.messages import MessageFacts, compose
from reminder.domain.rules import Rule


def store_details(settings: ReminderSettings, store_id: str | None) -> tuple[str | None, str | None]:
    """The store's name and phone from CRM_REMINDER_STORES, when configured."""
    store = settings.stores.get(store_id or "") or {}
    return store.get("name") or None, store.get("phone") or None


def facts_of(session: Session, reminder: Any, rule: Rule, customer: Any, settings: ReminderSettings,
             customer_name: str | None) -> MessageFacts:
    """What a message about `reminder` may say."""
    zone = settings.zone
    due_on = aware(reminder.due_at).astimezone(zone).date()
    asset = None
    if reminder.asset_id is not None:
        asset = session.execute(select(assets).where(assets.c.id == reminder.asset_id)).first()
    extra: dict[str, Any] = {}
    if rule.kind == "annual_inspection":
        extra["inspection_on"] = due_on + timedelta(days=rule.param("days_before"))
    elif rule.kind == "insurance_renewal":
        extra["expires_on"] = add_months(due_on, rule.param("months_before"))
    elif rule.kind == "vehicle_anniversary" and asset is not None and asset.delivered_on is not None:
        extra["years"] = due_on.year - asset.delivered_on.year
    elif rule.kind == "holiday_greeting":
        extra["festival"] = next((name for name in rule.param("festivals") if next_festival(name, due_on) == due_on),
                                 None)
    elif rule.kind == "no_show_follow_up":
        scheduled = session.execute(select(appointments.c.scheduled_at).where(
            appointments.c.follow_up_reminder_id == reminder.id)).scalar()
        extra["appointment_at"] = aware(scheduled).astimezone(zone) if scheduled else None
    elif rule.kind == "broadcast":
        extra["message"] = reminder.reason
    store_name, store_phone = store_details(settings, customer.store_id)
    plate = model = label = None
    if asset is not None:
        plate, model, label = asset.plate, asset.model, asset.label
        extra.setdefault("delivered_on", asset.delivered_on)
        extra.setdefault("expires_on", asset.expires_on)
    return MessageFacts(customer_name=customer_name, plate=plate, model=model, label=label, due_on=due_on,
                        store_name=store_name, store_phone=store_phone, rule_name=rule.name, **extra)


def customer_message(session: Session, reminder: Any, rule: Rule, customer: Any, settings: ReminderSettings,
                     customer_name: str | None) -> str:
    """The text of a notification of `reminder` to its customer, in the business's language."""
    facts = facts_of(session, reminder, rule, customer, settings, customer_name)
    return compose(rule.kind, facts, settings.language, rule.templates, rule.message)
