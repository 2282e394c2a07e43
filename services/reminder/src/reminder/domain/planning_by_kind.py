"""One function per kind of rule: the reminders it plans for a customer, each with its reason in words."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from reminder.domain.calendar import add_months, add_years, local_date, local_moment, next_anniversary
from reminder.domain.festivals import FESTIVALS, next_festival
from reminder.domain.planning_facts import GRACE, GREETING_GRACE, GREETINGS, AssetFacts, Context, Planned
from reminder.domain.prediction import predict_service
from reminder.domain.reminder_rules import Rule


def _at(rule: Rule, day: date, context: Context) -> datetime:
    return local_moment(day, rule.time_of_day, context.zone)


def _vehicles(assets: list[AssetFacts]) -> Iterator[AssetFacts]:
    return (asset for asset in assets if asset.kind == "vehicle")


def _upcoming(rule: Rule, days: Callable[[date], date], context: Context) -> list[date]:
    """The occurrences of a recurring reminder from `grace` ago until two lie ahead: one fired today is
    still among them (so it is not cancelled), and the next is planned by the time it fires."""
    start = context.today - (GREETING_GRACE if rule.kind in GREETINGS else GRACE)
    found: list[date] = []
    while len(found) < 3 and sum(day > context.today for day in found) < 2:
        found.append(days(start))
        start = found[-1] + timedelta(days=1)
    return found


def _delivery_callback(rule, customer, assets, complaints, context, owner):
    days, months = rule.param("days"), rule.param("months")
    after = " and ".join(part for part in (f"{months} month{'s' * (months != 1)}" if months else "",
                                            f"{days} day{'s' * (days != 1)}" if days else "") if part)
    for asset in _vehicles(assets):
        if asset.delivered_on is None:
            continue
        day = add_months(asset.delivered_on, months) + timedelta(days=days)
        yield Planned(f"{rule.id}:{asset.id}:{asset.delivered_on}", rule, asset.id, _at(rule, day, context), owner,
                      f"callback {after} after delivery of {asset.label} on {asset.delivered_on} → due {day}")


def _first_maintenance(rule, customer, assets, complaints, context, owner):
    for asset in _vehicles(assets):
        if asset.delivered_on is None or any(day >= asset.delivered_on for day, _ in asset.services):
            continue
        at_delivery = [r.km for r in asset.readings if r.read_on <= asset.delivered_on]
        prediction = predict_service(list(asset.readings), asset.delivered_on, max(at_delivery, default=None),
                                     rule.param("km"), rule.param("months"), context.today, what="delivery")
        yield Planned(f"{rule.id}:{asset.id}:{asset.delivered_on}", rule, asset.id,
                      _at(rule, prediction.due_on, context), owner, "first maintenance: " + prediction.reason,
                      prediction.confidence)


def _next_maintenance(rule, customer, assets, complaints, context, owner):
    for asset in _vehicles(assets):
        if not asset.services:
            continue
        day, km = max(asset.services, key=lambda service: (service[0], service[1] or 0))
        prediction = predict_service(list(asset.readings), day, km, rule.param("km"), rule.param("months"),
                                     context.today)
        yield Planned(f"{rule.id}:{asset.id}:{day}", rule, asset.id, _at(rule, prediction.due_on, context), owner,
                      "next maintenance: " + prediction.reason, prediction.confidence)


def inspection_due(delivered_on: date, on_or_after: date, every_years: int, yearly_after_years: int) -> date:
    """The next inspection date: every `every_years` years after delivery, yearly after `yearly_after_years`."""
    years = 1
    while True:
        due = add_years(delivered_on, years)
        regular = years % every_years == 0 if years <= yearly_after_years else True
        if regular and due >= on_or_after:
            return due
        years += 1


def _annual_inspection(rule, customer, assets, complaints, context, owner):
    before = timedelta(days=rule.param("days_before"))
    for asset in _vehicles(assets):
        if asset.delivered_on is None:
            continue
        dues = _upcoming(rule, lambda start, d=asset.delivered_on: inspection_due(
            d, start + before, rule.param("every_years"), rule.param("yearly_after_years")), context)
        for due in dues:
            day = due - before
            yield Planned(f"{rule.id}:{asset.id}:{due}", rule, asset.id, _at(rule, day, context), owner,
                          f"inspection of {asset.label} due {due} (delivered {asset.delivered_on}) → remind {day}")


def _renewal(rule, customer, assets, complaints, context, owner):
    for asset in assets:
        if asset.expires_on is None or asset.expires_on < context.today:
            continue
        day = add_months(asset.expires_on, -rule.param("months_before"))
        yield Planned(f"{rule.id}:{asset.id}:{asset.expires_on}", rule, asset.id, _at(rule, day, context), owner,
                      f"{asset.label} expires on {asset.expires_on} → renew, remind {day}")


def _insurance_renewal(rule, customer, assets, complaints, context, owner):
    months = rule.param("months_before")
    for asset in _vehicles(assets):
        if asset.delivered_on is None:
            continue
        for due in _upcoming(rule, lambda start, d=asset.delivered_on: next_anniversary(
                d, add_months(start, months), 1), context):
            day = add_months(due, -months)
            yield Planned(f"{rule.id}:{asset.id}:{due}", rule, asset.id, _at(rule, day, context), owner,
                          f"insurance of {asset.label} renews on {due} (a year after the last) → remind {day}")


def _birthday(rule, customer, assets, complaints, context, owner):
    if customer.birthday is None:
        return
    for day in _upcoming(rule, lambda start: next_anniversary(customer.birthday, start, 1), context):
        note = " (29 February: greeted on 28 February in a common year)" if customer.birthday.month == 2 and \
            customer.birthday.day == 29 and day.day == 28 else ""
        yield Planned(f"{rule.id}:{customer.id}:{day.year}", rule, None, _at(rule, day, context), owner,
                      f"birthday on {day}{note}")


def _vehicle_anniversary(rule, customer, assets, complaints, context, owner):
    for asset in _vehicles(assets):
        if asset.delivered_on is None:
            continue
        for day in _upcoming(rule, lambda start, d=asset.delivered_on: next_anniversary(d, start, 1), context):
            years = day.year - asset.delivered_on.year
            yield Planned(f"{rule.id}:{asset.id}:{day.year}", rule, asset.id, _at(rule, day, context), owner,
                          f"您的爱车（{asset.label}）{years}岁了: delivered on {asset.delivered_on}, {years} "
                          f"year{'s' * (years != 1)} on {day}")


def _holiday_greeting(rule, customer, assets, complaints, context, owner):
    for festival in rule.param("festivals"):
        for day in _upcoming(rule, lambda start, f=festival: next_festival(f, start), context):
            yield Planned(f"{rule.id}:{customer.id}:{festival}:{day}", rule, None, _at(rule, day, context), owner,
                          f"{FESTIVALS[festival][0]} ({festival.replace('_', ' ')}) on {day}")


def _complaint_callback(rule, customer, assets, complaints, context, owner):
    for complaint in complaints:
        if complaint.status != "resolved" or complaint.resolved_at is None:
            continue
        due = complaint.resolved_at + timedelta(hours=rule.param("hours"))
        why = f"{rule.param('hours')} hours after resolution"
        if complaint.callback_due_at is not None and complaint.callback_due_at < due:
            due, why = complaint.callback_due_at, "the callback's SLA target"
        yield Planned(f"{rule.id}:{complaint.id}:{complaint.resolved_at.isoformat()}", rule, None, due,
                      rule.owner or complaint.assignee or customer.owner,
                      f"complaint {complaint.id} resolved on {local_date(complaint.resolved_at, context.zone)}: "
                      f"callback by {local_date(due, context.zone)} ({why})")


def _contact_cadence(rule, customer, assets, complaints, context, owner):
    anchor = customer.last_contact_on or customer.created_on
    if anchor is None:
        return
    days = rule.param("tier_days").get(customer.tier or "")
    if days:
        day, interval = anchor + timedelta(days=days), f"{days} days ({customer.tier})"
    else:
        months = rule.param("months")
        day, interval = add_months(anchor, months), f"{months} month{'s' * (months != 1)}"
    what = "last contact" if customer.last_contact_on else "registration"
    # a state, not an occasion: a customer already too long without contact is due now, however long ago
    yield Planned(f"{rule.id}:{customer.id}:{anchor}", rule, None, max(_at(rule, day, context), context.now), owner,
                  f"no contact for {interval} since {what} on {anchor} → due {day}")


def _lost_customer(rule, customer, assets, complaints, context, owner):
    if customer.last_visit_on is None or customer.kind not in rule.param("customer_kinds"):
        return
    months = rule.param("months")
    day = add_months(customer.last_visit_on, months)
    yield Planned(f"{rule.id}:{customer.id}:{customer.last_visit_on}", rule, None,
                  max(_at(rule, day, context), context.now), owner,
                  f"no visit for {months} months since {customer.last_visit_on} (流失客户): win-back call, "
                  f"record why they left")


PLANNERS = {
    "delivery_callback": _delivery_callback, "first_maintenance": _first_maintenance,
    "next_maintenance": _next_maintenance, "annual_inspection": _annual_inspection, "renewal": _renewal,
    "insurance_renewal": _insurance_renewal, "birthday": _birthday, "vehicle_anniversary": _vehicle_anniversary,
    "holiday_greeting": _holiday_greeting, "complaint_callback": _complaint_callback,
    "contact_cadence": _contact_cadence, "lost_customer": _lost_customer,
}
