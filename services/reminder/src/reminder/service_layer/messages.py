"""The facts a reminder's message may say, read from this service's copy when the reminder fires (the
vehicle's plate and model, the dates the rule hangs on, the store), and the text composed from the rule's
template — never from the reminder's internal reason."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session

from reminder.adapters.appointments import AppointmentRepository
from reminder.adapters.asset_copy import AssetCopy
from reminder.config import ReminderSettings
from reminder.domain.calendar import add_months
from reminder.domain.festivals import next_festival
from reminder.domain.messages import MessageFacts, compose
from reminder.domain.reminder_rules import Rule


def store_details(settings: ReminderSettings, store_id: str | None) -> tuple[str | None, str | None]:
    """The store's name and phone from CRM_REMINDER_STORES, when configured."""
    store = settings.stores.get(store_id or "") or {}
    return store.get("name") or None, store.get("phone") or None


def _kind_facts(session: Session, reminder: Any, rule: Rule, asset: Any, due_on: date,
                settings: ReminderSettings) -> dict[str, Any]:
    """What a message of this kind of rule says besides the customer, vehicle and store."""
    if rule.kind == "annual_inspection":
        return {"inspection_on": due_on + timedelta(days=rule.param("days_before"))}
    if rule.kind == "insurance_renewal":
        return {"expires_on": add_months(due_on, rule.param("months_before"))}
    if rule.kind == "vehicle_anniversary" and asset is not None and asset.delivered_on is not None:
        return {"years": due_on.year - asset.delivered_on.year}
    if rule.kind == "holiday_greeting":
        return {"festival": next((name for name in rule.param("festivals") if next_festival(name, due_on) == due_on),
                                 None)}
    if rule.kind == "no_show_follow_up":
        scheduled = AppointmentRepository(session).missed_at(reminder.id)
        return {"appointment_at": as_utc(scheduled).astimezone(settings.zone) if scheduled else None}
    if rule.kind == "broadcast":
        return {"message": reminder.reason}
    return {}


def facts_of(session: Session, reminder: Any, rule: Rule, customer: Any, settings: ReminderSettings,
             customer_name: str | None) -> MessageFacts:
    """What a message about `reminder` may say."""
    due_on = as_utc(reminder.due_at).astimezone(settings.zone).date()
    asset = AssetCopy(session).get(reminder.asset_id) if reminder.asset_id is not None else None
    extra = _kind_facts(session, reminder, rule, asset, due_on, settings)
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
