"""A reminder's reason in words for the person who makes the call (Chinese), and the rule's call script filled in.

The reason kept on a reminder is the planner's account (English, with the figures it used); staff read this one,
composed from the reminder's kind, the fact its key hangs on (the delivery day, the last service, the due day …),
the vehicle and the rule's parameters.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from reminder.domain.festivals import FESTIVALS

#: What an appointment was for, in words.
PURPOSES = {"maintenance": "保养", "repair": "维修", "inspection": "年检", "renewal": "续保/续约",
            "test_drive": "试驾", "delivery": "交车", "consultation": "咨询"}
ERASED = "[erased]"


@dataclass(frozen=True)
class Subject:
    """What the words are about: the reminder and what is known of its customer, vehicle and rule."""

    kind: str
    rule_id: str
    key: str
    reason: str
    due_on: date
    params: dict[str, Any]
    rule_name: str | None = None
    vehicle: str | None = None  # the plate, else the model, else the label
    delivered_on: date | None = None
    zone: tzinfo | None = None


def _fact(subject: Subject) -> str:
    """What the key hangs on: the key after `rule:asset-or-customer:`."""
    rest = subject.key[len(subject.rule_id) + 1:] if subject.key.startswith(subject.rule_id + ":") else subject.key
    return rest.split(":", 1)[1] if ":" in rest else ""


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text


def _param(subject: Subject, name: str, default: Any) -> Any:
    value = subject.params.get(name, default)
    return default if value is None else value


def _rule_label(subject: Subject) -> str:
    """The rule's name without its English gloss: 三天回访 (callback 3 days after delivery) → 三天回访."""
    name = subject.rule_name or subject.kind
    return name.split(" (", 1)[0].strip() or name


def _car(subject: Subject) -> str:
    return f"爱车（{subject.vehicle}）" if subject.vehicle else "爱车"


def _delivery_callback(subject: Subject, fact: str, due: str) -> str:
    days, months = _param(subject, "days", 0), _param(subject, "months", 0)
    after = "".join(part for part in (f"{months}个月" if months else "", f"{days}天" if days else ""))
    return f"{_rule_label(subject)}：{_car(subject)}于 {_day(fact)} 交车，{after}后回访客户的用车感受和满意度（{due}）"


def _first_maintenance(subject: Subject, fact: str, due: str) -> str:
    return (f"首保提醒：{_car(subject)}于 {_day(fact)} 交车，首次保养在 {_param(subject, 'months', 3)} 个月或 "
            f"{_param(subject, 'km', 3000):,} 公里内（以先到者为准），预计 {due} 到期，请邀约客户进店首保")


def _next_maintenance(subject: Subject, fact: str, due: str) -> str:
    return (f"保养提醒：{_car(subject)}上次保养 {_day(fact)}，每 {_param(subject, 'months', 6)} 个月或 "
            f"{_param(subject, 'km', 5000):,} 公里保养一次，按里程推算 {due} 前后到期，请邀约客户进店保养")


def _annual_inspection(subject: Subject, fact: str, due: str) -> str:
    before = _param(subject, "days_before", 30)
    return f"年检提醒：{_car(subject)}年检于 {_day(fact)} 到期，请提醒客户按时年检（提前 {before} 天）"


def _vehicle_anniversary(subject: Subject, fact: str, due: str) -> str:
    years = subject.due_on.year - subject.delivered_on.year if subject.delivered_on else None
    car = _car(subject)
    return f"爱车周年：{car}交车满 {years} 周年（{due}）" if years else f"爱车周年：{car}交车周年（{due}）"


def _holiday_greeting(subject: Subject, fact: str, due: str) -> str:
    festival = fact.split(":", 1)[0]
    return f"节日问候：{FESTIVALS.get(festival, (festival,))[0]}（{due}）"


def _no_show_follow_up(subject: Subject, fact: str, due: str) -> str:
    found = re.match(r"missed the (\w+) appointment of (\S+?):", subject.reason)
    if not found:
        return "爽约跟进：客户未按预约到店，请致电重新预约"
    when = found.group(2)
    try:
        when = datetime.fromisoformat(when).astimezone(subject.zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    purpose = PURPOSES.get(found.group(1), found.group(1))
    return f"爽约跟进：客户未按预约（{purpose}，{when}）到店，请致电重新预约"


#: The words for each kind of reminder: (subject, the fact its key hangs on, the due day) -> text.
DESCRIBE: dict[str, Callable[[Subject, str, str], str]] = {
    "delivery_callback": _delivery_callback,
    "first_maintenance": _first_maintenance,
    "next_maintenance": _next_maintenance,
    "annual_inspection": _annual_inspection,
    "renewal": lambda subject, fact, due: (
        f"续约提醒：{subject.vehicle or '合同'} 于 {_day(fact)} 到期，请联系客户续保/续约"),
    "insurance_renewal": lambda subject, fact, due: (
        f"车险续保：{_car(subject)}的车险于 {_day(fact)} 到期，请联系客户续保"),
    "birthday": lambda subject, fact, due: f"生日祝福：{due} 是客户的生日",
    "vehicle_anniversary": _vehicle_anniversary,
    "holiday_greeting": _holiday_greeting,
    "complaint_callback": lambda subject, fact, due: (
        f"投诉回访：客户的投诉已于 {_day(fact)} 处理完毕，请在 {due} 前回访，确认问题已解决及客户是否满意"),
    "contact_cadence": lambda subject, fact, due: f"定期联系：自 {_day(fact)} 起未与客户联系，已到联系周期，请联系客户",
    "lost_customer": lambda subject, fact, due: (
        f"流失客户挽回：客户自 {_day(fact)} 起已 {_param(subject, 'months', 6)} 个月未到店，请致电挽回；"
        f"未能挽回时记录流失原因"),
    "no_show_follow_up": _no_show_follow_up,
}


def describe(subject: Subject) -> str:
    """The reason in words (Chinese) for the person working the reminder."""
    if subject.reason == ERASED:
        return ERASED
    due = subject.due_on.isoformat()
    words = DESCRIBE.get(subject.kind)
    if words is not None:
        return words(subject, _fact(subject), due)
    if re.search(r"[\u4e00-\u9fff]", subject.reason):
        return subject.reason  # written in Chinese already (a notice, an escalated complaint …)
    return f"{_rule_label(subject)}（{due}）"


def fill_script(script: str | None, name: str | None, plate: str | None, model: str | None) -> str | None:
    """The rule's call script with the customer's name, plate and model filled in (nothing else is touched)."""
    if not script:
        return None
    for field, value in (("{name}", name or "客户"), ("{plate}", plate or ""), ("{model}", model or "")):
        script = script.replace(field, value)
    return script.replace("（）", "")


def days_overdue(due_at: datetime, moment: datetime, zone: tzinfo) -> int:
    """Days past the due day on the business's calendar (0 when due today or later): a task due yesterday at 09:00
    is a day overdue at 00:30 today, though not 24 hours have passed."""
    return max(0, (moment.astimezone(zone).date() - due_at.astimezone(zone).date()).days)
