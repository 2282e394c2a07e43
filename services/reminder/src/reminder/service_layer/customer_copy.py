"""Keeping this service's copy of customers and their complaints from the customer and complaint services'
events (created, changed, tier, merged, unmerged, erased; each complaint step), and re-planning the customer's
reminders after each one. Assets and visits: service_layer.visits_and_assets; corrections: .corrections."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session

from reminder.adapters import consumed_events
from reminder.adapters.clock import now, utc
from reminder.adapters.customer_copy import ComplaintCopy, CustomerCopy
from reminder.adapters.erasure import erase_traces
from reminder.adapters.local_outbox import erase_from_outbox
from reminder.domain.tasks import CONTACTED
from reminder.service_layer.planning import replan

#: Visits that mean the customer came to us (the lost-customer rule counts these); every kind is a contact.
COMING_IN = ("store", "service", "delivery", "event")
#: The customer fields kept here: personal ones are dropped on erasure.
PERSONAL = ("name", "phone", "email", "birthday", "wechat_openid")
PLAIN = ("name", "phone", "email", "birthday", "kind", "stage", "tier", "owner", "store_id", "wechat_openid")


def ensure_customer(session: Session, customer_id: str) -> Any:
    """The customer's row, created empty when an event about them comes before their customer.created; locked
    until the transaction ends, so that two consumers applying two versions of one customer at once (replicas
    share a queue) compare versions one after the other, and the older never overwrites the newer."""
    copy = CustomerCopy(session)
    row = copy.get(customer_id, for_update=True)
    if row is None:
        copy.add_empty(customer_id, now())
        row = copy.get(customer_id, for_update=True)
    return row


def customer_values(loaded: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The columns of the copy that a customer.created/updated event sets."""
    values: dict[str, Any] = {name: loaded[name] for name in PLAIN if name in loaded}
    values.update({name: loaded[name] for name in ("key_customer", "blacklisted") if loaded.get(name) is not None})
    if "consent" in loaded:
        consent = loaded["consent"] or {}
        values.update(consent_sms=consent.get("sms", False), consent_phone=consent.get("phone", False),
                      consent_email=consent.get("email", False), consent_wechat=consent.get("wechat", False))
    if "quiet_hours" in loaded:
        quiet = loaded["quiet_hours"] or {}
        values.update(quiet_start=quiet.get("start"), quiet_end=quiet.get("end"))
    if loaded.get("created_at"):
        values["created_on"] = loaded["created_at"].astimezone(zone).date()
    return values


def apply_customer(session: Session, data: dict[str, Any], zone: ZoneInfo, created: bool) -> None:
    """customer.created.v1 / customer.updated.v1: keep the fields we need (older versions are ignored)."""
    loaded = consumed_events.CustomerIn().load(data)
    row = ensure_customer(session, loaded["id"])
    if loaded["version"] <= row.version:
        return
    values = customer_values(loaded, zone)
    if row.erased_at is not None:
        values = {name: value for name, value in values.items() if name not in PERSONAL}
    CustomerCopy(session).change(row.id, **values, version=loaded["version"], updated_at=now())
    replan(session, row.id, zone, "customer registered" if created else "customer changed")


def apply_tier(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.tier_changed.v1: the contact cadence may depend on the tier."""
    loaded = consumed_events.TierChangedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    CustomerCopy(session).change(loaded["customer_id"], tier=loaded["to_tier"], updated_at=now())
    replan(session, loaded["customer_id"], zone, f"tier changed to {loaded['to_tier']}")


def refresh_last_visits(session: Session, customer_id: str, zone: ZoneInfo) -> None:
    """Recompute the last visit and contact days from the visits kept (after rows moved between customers, or a
    visit was corrected or voided) and the tasks in which someone spoke with the customer; a voided visit counts
    for nothing."""
    def day(moment: Any) -> date | None:
        return as_utc(moment).astimezone(zone).date() if moment else None

    copy = CustomerCopy(session)
    spoken = day(copy.last_spoken_at(customer_id, CONTACTED))
    last_contact = max(filter(None, (day(copy.last_visit_at(customer_id)), spoken)), default=None)
    copy.change(customer_id, last_visit_on=day(copy.last_visit_at(customer_id, COMING_IN)),
                last_contact_on=last_contact)


def apply_merge(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.merged.v1: every row of the merged customer now belongs to the survivor (and remembers it)."""
    loaded = consumed_events.MergedIn().load(data)
    survivor, merged = loaded["survivor_id"], loaded["merged_id"]
    ensure_customer(session, survivor)
    ensure_customer(session, merged)
    CustomerCopy(session).merge(merged, survivor)
    refresh_last_visits(session, survivor, zone)
    replan(session, survivor, zone, f"customer {merged} merged into {survivor}")


def apply_unmerge(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.unmerged.v1: the rows that came from the restored customer go back to it."""
    loaded = consumed_events.UnmergedIn().load(data)
    survivor, restored = loaded["survivor_id"], loaded["restored_id"]
    ensure_customer(session, restored)
    CustomerCopy(session).unmerge(restored, survivor)
    for customer_id in (survivor, restored):
        refresh_last_visits(session, customer_id, zone)
        replan(session, customer_id, zone, f"merge of {restored} into {survivor} undone")


def apply_erasure(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.erased.v1: drop the personal data (the customer row, plates, reasons, notification texts, kept
    events and answers), keep the anonymous figures (reminders, outcomes, counts)."""
    loaded = consumed_events.ErasedIn().load(data)
    customer_id = loaded["customer_id"]
    ensure_customer(session, customer_id)
    copy = CustomerCopy(session)
    copy.change(customer_id, name=None, phone=None, email=None, birthday=None, quiet_start=None, quiet_end=None,
                wechat_openid=None, erased_at=utc(loaded["erased_at"]), updated_at=now())
    copy.skip_pending_notifications(customer_id, "the customer's personal data was erased")
    erase_traces(session, customer_id)
    replan(session, customer_id, zone, "customer's personal data erased")


def apply_erasure_everywhere(session: Session, data: dict[str, Any], zone: ZoneInfo, outbox_file: Path) -> None:
    """customer.erased.v1 as consumed: the copy in the database (apply_erasure), then the readable copy of the
    local outbox file."""
    apply_erasure(session, data, zone)
    erase_from_outbox(outbox_file, data["customer_id"])


def apply_complaint(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """complaint.*: keep the complaint's status; a resolved one plans a callback, a later step cancels it."""
    loaded = consumed_events.ComplaintIn().load(data)
    loaded["occurred_at"] = utc(loaded["occurred_at"])
    ensure_customer(session, loaded["customer_id"])
    callback_due = next((utc(target.get("due_at")) for name, target in loaded["sla"].items()
                         if "callback" in name and target.get("met_at") is None), None)
    values: dict[str, Any] = {"customer_id": loaded["customer_id"], "status": loaded["status"],
                              "assignee": loaded.get("assignee"), "updated_at": loaded["occurred_at"]}
    if loaded["status"] == "resolved":
        values.update(resolved_at=loaded["occurred_at"], callback_due_at=callback_due)
    complaints = ComplaintCopy(session)
    row = complaints.get(loaded["complaint_id"])
    if row is None:
        complaints.add(loaded["complaint_id"], values)
    elif as_utc(row.updated_at) <= loaded["occurred_at"]:
        complaints.change(row.id, values)
    replan(session, loaded["customer_id"], zone, f"complaint {loaded['complaint_id']} {loaded['status']}")
