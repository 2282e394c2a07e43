"""What the settings pages share: the blueprint, their words, who may change them, and reading a number."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as N_

from console.people import current_person
from console.views.complaints import CATEGORIES, LEVELS, SEVERITIES, duration

blp = Blueprint("settings", "console.views.settings")

ANY = "*"
SLA_TARGETS = {"acknowledge_minutes": N_("Acknowledge within (working minutes)"),
               "respond_minutes": N_("Respond within (working minutes)"),
               "resolve_minutes": N_("Resolve within (working minutes)"),
               "first_callback_minutes": N_("First callback within (working minutes)")}
SLA_NUMBERS = (*SLA_TARGETS, "warn_percent")
MAX_MINUTES = 60 * 24 * 365

RULE_KINDS = {
    "delivery_callback": N_("Delivery callback"), "first_maintenance": N_("First maintenance"),
    "next_maintenance": N_("Next maintenance"), "annual_inspection": N_("Annual inspection"),
    "renewal": N_("Contract renewal"), "insurance_renewal": N_("Insurance renewal"),
    "birthday": N_("Birthday greeting"),
    "vehicle_anniversary": N_("Vehicle anniversary"), "holiday_greeting": N_("Holiday greeting"),
    "complaint_callback": N_("Complaint callback"), "contact_cadence": N_("Regular contact"),
    "lost_customer": N_("Lost customer win-back"), "no_show_follow_up": N_("Missed appointment follow-up"),
    "broadcast": N_("Broadcast notice"), "complaint_escalation": N_("Complaint escalation"),
}
PARAMS = {
    "days": N_("Days after delivery"), "months": N_("Months (after, or between reminders)"), "km": N_("Kilometres"),
    "days_before": N_("Days before it is due"), "every_years": N_("Every how many years"),
    "yearly_after_years": N_("Yearly once the vehicle is this many years old"),
    "months_before": N_("Months before it is due"), "hours": N_("Hours after the complaint is resolved"),
    "hours_before": N_("Hours before the appointment"), "hours_after": N_("Hours after the appointment"),
    "festivals": N_("Festivals"), "customer_kinds": N_("Customer kinds"),
    "tier_days": N_("Days between contacts per tier"),
}
#: The choices a list parameter takes.
PARAM_CHOICES = {
    "festivals": {"new_year": N_("New Year's Day"), "spring_festival": N_("Spring Festival"),
                  "dragon_boat": N_("Dragon Boat Festival"), "mid_autumn": N_("Mid-Autumn Festival"),
                  "national_day": N_("National Day")},
    "customer_kinds": {"prospect": N_("Prospective customers"), "owner": N_("Vehicle owners")},
}
TIERS = {"regular": N_("Regular members"), "silver": N_("Silver card"), "gold": N_("Gold card"),
         "diamond": N_("Diamond card")}
CHANNELS = {"webhook": N_("Webhook"), "email": N_("Email"), "sms": N_("SMS"), "wechat": N_("WeChat")}
#: Kinds of which there is one rule, built in: a new rule is never of these.
SINGLE_KINDS = frozenset({"no_show_follow_up", "broadcast", "complaint_escalation"})

VOCABULARY = {"categories": CATEGORIES, "severities": SEVERITIES, "sla_targets": SLA_TARGETS, "kinds": RULE_KINDS,
              "param_names": PARAMS, "param_choices": PARAM_CHOICES, "tiers": TIERS, "channels": CHANNELS,
              "any_code": ANY, "duration": duration, "levels": LEVELS}


def manager() -> None:
    person = current_person()
    if person is None or not person.can("manage"):
        abort(403)


def number(text: str | None) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the API says what is wrong with it, beside the field
