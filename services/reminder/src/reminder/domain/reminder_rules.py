"""Reminder rules are data: a kind (which computation), its parameters, and what firing does.

The kinds and their seed defaults come from the seeds [000][001][002][004] (PRODUCT.md 2.3): callbacks
3 days and one month after delivery, first maintenance at 3 months or 3,000 km, renewal one month
before expiry, contact at least monthly, a win-back call after 6 months without a visit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from reminder.domain.festivals import FESTIVALS

CHANNELS = ("webhook", "email", "sms", "wechat")
TIERS = ("regular", "silver", "gold", "diamond")


@dataclass(frozen=True)
class Param:
    """One parameter of a rule kind: its type, default and bounds."""

    type: type
    default: Any
    minimum: int = 0
    maximum: int = 10_000


#: Every kind of rule, with its parameters.
KINDS: dict[str, dict[str, Param]] = {
    "delivery_callback": {"days": Param(int, 3, 0, 3650), "months": Param(int, 0, 0, 120)},
    "first_maintenance": {"months": Param(int, 3, 1, 120), "km": Param(int, 3000, 100, 100_000)},
    "next_maintenance": {"months": Param(int, 6, 1, 120), "km": Param(int, 5000, 100, 100_000)},
    "annual_inspection": {"days_before": Param(int, 30, 0, 365), "every_years": Param(int, 2, 1, 10),
                          "yearly_after_years": Param(int, 10, 1, 50)},
    "renewal": {"months_before": Param(int, 1, 0, 24)},
    "insurance_renewal": {"months_before": Param(int, 1, 0, 11)},
    "birthday": {},
    "vehicle_anniversary": {},
    "holiday_greeting": {"festivals": Param(list, ["spring_festival", "dragon_boat", "mid_autumn"])},
    "complaint_callback": {"hours": Param(int, 24, 0, 24 * 60)},
    "contact_cadence": {"months": Param(int, 1, 1, 24), "tier_days": Param(dict, {})},
    "lost_customer": {"months": Param(int, 6, 1, 60), "customer_kinds": Param(list, ["owner"])},
    "no_show_follow_up": {"hours_before": Param(int, 24, 0, 24 * 14), "hours_after": Param(int, 48, 1, 24 * 14)},
    "broadcast": {},
    "complaint_escalation": {},
}
#: Kinds whose reminders come back (the next one is planned once one fires).
RECURRING = frozenset({"annual_inspection", "insurance_renewal", "birthday", "vehicle_anniversary",
                       "holiday_greeting"})
#: Kinds whose tasks are callbacks (回访): completing one may record the callback's outcome and satisfaction,
#: and a callback visit recorded in the customer service closes one.
CALLBACK_KINDS = frozenset({"delivery_callback", "complaint_callback"})
#: A task fired and not finished: given to a person, on their list (claimed, or snoozed till later).
OPEN = ("due", "claimed", "snoozed")
#: Kinds made by events or by hand rather than by planning from the customer's facts.
UNPLANNED = frozenset({"no_show_follow_up", "broadcast", "complaint_escalation"})


@dataclass(frozen=True)
class Rule:
    """A rule: when `kind` says so, make a task for the owner and/or notify the customer on `channels`."""

    id: str
    kind: str
    name: str
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    task: bool = True
    channels: tuple[str, ...] = ()
    time_of_day: time = time(9, 0)
    owner: str | None = None
    message: str | None = None
    builtin: bool = False
    templates: dict[str, str] = field(default_factory=dict)  # language → the rule's own template
    script: str | None = None

    def param(self, name: str) -> Any:
        """The parameter's value, or the kind's default."""
        return self.params.get(name, KINDS[self.kind][name].default)


def _int_error(param: Param, value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "Must be a whole number."
    if not param.minimum <= value <= param.maximum:
        return f"Must be between {param.minimum} and {param.maximum}."
    return None


def _value_error(param: Param, value: Any) -> str | None:
    """What is wrong with `value` for `param` (its type, its bounds), or None."""
    if param.type is int:
        return _int_error(param, value)
    if param.type is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "Must be a list of names."
    if param.type is dict and not isinstance(value, dict):
        return "Must be an object."
    return None


def _festival_errors(params: dict[str, Any]) -> dict[str, list[str]]:
    unknown = [name for name in params.get("festivals", []) if name not in FESTIVALS]
    if unknown:
        return {"params.festivals": [f"Unknown festivals {unknown}; known: {', '.join(FESTIVALS)}."]}
    return {}


def _tier_days_errors(params: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for tier, days in params.get("tier_days", {}).items():  # the last wrong tier is the one named
        if tier not in TIERS:
            errors["params.tier_days"] = [f"Unknown tier {tier!r}; tiers: {', '.join(TIERS)}."]
        elif not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 730:
            errors["params.tier_days"] = [f"Days for {tier} must be a whole number from 1 to 730."]
    return errors


def _customer_kind_errors(params: dict[str, Any]) -> dict[str, list[str]]:
    if any(name not in ("prospect", "owner") for name in params.get("customer_kinds", [])):
        return {"params.customer_kinds": ["Customer kinds are prospect and owner."]}
    return {}


def _delivery_callback_errors(params: dict[str, Any]) -> dict[str, list[str]]:
    if params.get("days", 0) == 0 and params.get("months", 0) == 0 and ("days" in params or "months" in params):
        return {"params": ["A delivery callback needs days or months after the delivery."]}
    return {}


#: What a kind checks of its parameters beyond their types and bounds.
KIND_CHECKS = {"holiday_greeting": _festival_errors, "contact_cadence": _tier_days_errors,
               "lost_customer": _customer_kind_errors, "delivery_callback": _delivery_callback_errors}


def params_errors(kind: str, params: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with `params` for a rule of `kind` (field names dotted under `params`)."""
    errors: dict[str, list[str]] = {}
    spec = KINDS[kind]
    for name, value in params.items():
        if name not in spec:
            errors[f"params.{name}"] = [f"Unknown parameter for a {kind} rule (known: {', '.join(spec) or 'none'})."]
        elif (problem := _value_error(spec[name], value)) is not None:
            errors[f"params.{name}"] = [problem]
    if errors or kind not in KIND_CHECKS:
        return errors
    return KIND_CHECKS[kind](params)
