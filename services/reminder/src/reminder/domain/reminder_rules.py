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


def params_errors(kind: str, params: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with `params` for a rule of `kind` (field names dotted under `params`)."""
    errors: dict[str, list[str]] = {}
    spec = KINDS[kind]
    for name, value in params.items():
        where = f"params.{name}"
        if name not in spec:
            errors[where] = [f"Unknown parameter for a {kind} rule (known: {', '.join(spec) or 'none'})."]
            continue
        param = spec[name]
        if param.type is int:
            if not isinstance(value, int) or isinstance(value, bool):
                errors[where] = ["Must be a whole number."]
            elif not param.minimum <= value <= param.maximum:
                errors[where] = [f"Must be between {param.minimum} and {param.maximum}."]
        elif param.type is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors[where] = ["Must be a list of names."]
        elif param.type is dict and not isinstance(value, dict):
            errors[where] = ["Must be an object."]
    if errors:
        return errors
    if kind == "holiday_greeting":
        unknown = [name for name in params.get("festivals", []) if name not in FESTIVALS]
        if unknown:
            errors["params.festivals"] = [f"Unknown festivals {unknown}; known: {', '.join(FESTIVALS)}."]
    if kind == "contact_cadence":
        for tier, days in params.get("tier_days", {}).items():
            if tier not in TIERS:
                errors["params.tier_days"] = [f"Unknown tier {tier!r}; tiers: {', '.join(TIERS)}."]
            elif not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 730:
                errors["params.tier_days"] = [f"Days for {tier} must be a whole number from 1 to 730."]
    if kind == "lost_customer":
        unknown = [name for name in params.get("customer_kinds", []) if name not in ("prospect", "owner")]
        if unknown:
            errors["params.customer_kinds"] = ["Customer kinds are prospect and owner."]
    if kind == "delivery_callback" and params.get("days", 0) == 0 and params.get("months", 0) == 0 \
            and ("days" in params or "months" in params):
        errors["params"] = ["A delivery callback needs days or months after the delivery."]
    return errors


#: The call scripts (话术) the built-in rules start with (seeded, and restored by a reset); {name}, {plate}
#: and {model} are filled in for the task's customer and vehicle.
SCRIPTS = {
    "delivery_callback_3d": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）提车已"
                             "经三天了，想了解一下您的用车感受：车辆使用是否顺利？交车时的讲解是否清楚？对我们"
                             "的服务还满意吗？有任何问题可以随时联系我们。"),
    "delivery_callback_1m": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）已经陪"
                             "伴您一个月了，想回访一下：车辆各项功能使用得还习惯吗？有没有需要我们协助的地方？"
                             "另外提醒您，首次保养在提车后3个月或3000公里内（以先到者为准），可以提前为您"
                             "预约。"),
    "complaint_callback": ("您好，请问是{name}吗？我是门店的客服顾问。关于您之前反映的问题，我们已经处"
                           "理完毕，想跟您确认一下：问题是否已经解决？您对处理的过程和结果是否满意？还有什么"
                           "需要我们改进的地方吗？"),
    "lost_customer": ("您好，请问是{name}吗？我是门店的客服顾问。好久没有在店里见到您了，想问一下"
                      "您的爱车最近使用情况如何？最近是在哪里做的保养？如果对我们有任何意见，欢迎告诉我"
                      "们，我们这边可以为您预约保养并介绍当前的优惠。"),
}


def builtin_rules() -> list[Rule]:
    """The rules every installation starts with (the seeds' defaults); managers may change or switch them off."""
    ten = time(10, 0)
    return [
        Rule("delivery_callback_3d", "delivery_callback", "三天回访 (callback 3 days after delivery)",
             params={"days": 3, "months": 0}, builtin=True),
        Rule("delivery_callback_1m", "delivery_callback", "首月回访 (callback one month after delivery)",
             params={"days": 0, "months": 1}, builtin=True),
        Rule("first_maintenance", "first_maintenance", "首保 (first maintenance: 3 months or 3,000 km)",
             channels=("sms",), builtin=True),
        Rule("next_maintenance", "next_maintenance", "保养提醒 (next maintenance, predicted from mileage)",
             channels=("sms",), builtin=True),
        Rule("annual_inspection", "annual_inspection", "年检提醒 (vehicle inspection)", channels=("sms",),
             builtin=True),
        Rule("renewal", "renewal", "续保/续约 (contract renewal one month before expiry)", builtin=True),
        Rule("insurance_renewal", "insurance_renewal", "车险续保 (insurance renewal one month before the "
             "delivery anniversary)", builtin=True),
        Rule("birthday", "birthday", "生日祝福 (birthday greeting)", task=False, channels=("sms",),
             time_of_day=ten, builtin=True),
        Rule("vehicle_anniversary", "vehicle_anniversary", "爱车周年 (您的爱车一岁了)", task=False,
             channels=("sms",), time_of_day=ten, builtin=True),
        Rule("holiday_greeting", "holiday_greeting", "节日问候 (holiday greeting)", task=False, channels=("sms",),
             time_of_day=ten, builtin=True),
        Rule("complaint_callback", "complaint_callback", "投诉回访 (callback after a complaint is resolved)",
             builtin=True),
        Rule("contact_cadence", "contact_cadence", "定期联系 (no customer more than a month without contact)",
             builtin=True),
        Rule("lost_customer", "lost_customer", "流失客户挽回 (no visit in 6 months: win-back call)", builtin=True),
        Rule("no_show_follow_up", "no_show_follow_up", "爽约跟进 (follow up a missed appointment)", builtin=True),
        Rule("broadcast", "broadcast", "店外关怀通知 (a notice to many customers: bad weather, recalls, events)",
             task=False, channels=("sms",), time_of_day=ten, builtin=True),
        Rule("complaint_escalation", "complaint_escalation", "投诉升级 (a task for the person a complaint is "
             "escalated to)", builtin=True),
    ]
