"""What a customer (or a member of staff) reads: a template per rule kind and language with named fields,
filled from the facts of the reminder — never from the reminder's internal reason.

Chinese (`zh-CN`) is the default language, English (`en`) the second. A rule may override the built-in
template of a language (`templates` of the rule; its `message` is the Chinese one). Fields a template may
name are in `FIELDS`; a field with no value is left out of the text (empty), so nothing like `{plate}` is
ever sent. Dates are written as their readers write them: 2026年12月3日, 3 December 2026.
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from reminder.domain.festivals import FESTIVALS
from reminder.domain.message_templates import DEFAULT_LANGUAGE, FIELDS, LANGUAGES, TEMPLATES

#: Words the fields use, per language.
ANONYMOUS = {"zh-CN": "客户", "en": "customer"}
LEVELS = {"manager": ("经理", "the manager"), "general_manager": ("总经理", "the general manager")}
SEVERITIES = {"minor": ("轻微", "minor"), "normal": ("一般", "normal"), "serious": ("严重", "serious"),
              "critical": ("特别严重", "critical")}
CATEGORIES = {"quality": ("质量问题", "quality"), "service": ("服务问题", "service"),
              "general": ("一般问题", "general"), "incident": ("突发事件", "incident")}
TARGETS = {"acknowledge": ("受理", "acknowledgement"), "respond": ("响应", "response"),
           "resolve": ("解决", "resolution"), "first_callback": ("首次回访", "first callback")}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def word(table: Mapping[str, tuple[str, str]], key: str | None, language: str) -> str:
    """The word for `key` in `language` (the key itself when the table does not know it)."""
    if key is None:
        return ""
    pair = table.get(key)
    return (pair[0] if language == "zh-CN" else pair[1]) if pair else key


def day_text(day: date | None, language: str) -> str:
    """A day as its readers write it: 2026年12月3日 / 3 December 2026."""
    if day is None:
        return ""
    if language == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def moment_text(moment: datetime | None, language: str) -> str:
    """A local time as its readers write it: 2026年12月3日 14:30 / 3 December 2026, 14:30."""
    if moment is None:
        return ""
    separator = " " if language == "zh-CN" else ", "
    return f"{day_text(moment.date(), language)}{separator}{moment:%H:%M}"


@dataclass(frozen=True)
class MessageFacts:
    """What a message may say, gathered when the reminder fires (dates local to the business)."""

    customer_name: str | None = None
    plate: str | None = None
    model: str | None = None
    label: str | None = None
    due_on: date | None = None
    delivered_on: date | None = None
    expires_on: date | None = None
    inspection_on: date | None = None
    years: int | None = None
    festival: str | None = None  # the festival's key (reminder.domain.festivals)
    appointment_at: datetime | None = None
    message: str | None = None
    store_name: str | None = None
    store_phone: str | None = None
    rule_name: str | None = None
    staff_name: str | None = None
    complaint_id: str | None = None
    level: str | None = None
    severity: str | None = None
    category: str | None = None
    escalation_reason: str | None = None


def _vehicle(facts: MessageFacts, language: str) -> str:
    if facts.model and facts.plate:
        return f"{facts.model}（{facts.plate}）" if language == "zh-CN" else f"{facts.model} ({facts.plate})"
    return facts.plate or facts.model or facts.label or ""


def _store_contact(facts: MessageFacts, language: str) -> str:
    """A sentence with the store's name and phone (the phone alone when the name is not known), else nothing."""
    if facts.store_name and facts.store_phone:
        return (f"如有疑问，请致电{facts.store_name}：{facts.store_phone}。" if language == "zh-CN"
                else f"Questions? Call {facts.store_name} on {facts.store_phone}.")
    if facts.store_phone:
        return (f"如有疑问，请致电{facts.store_phone}。" if language == "zh-CN"
                else f"Questions? Call {facts.store_phone}.")
    return ""


def _festival(facts: MessageFacts, language: str) -> str:
    festival = FESTIVALS.get(facts.festival or "")
    if festival is None:
        return ""
    return festival[0] if language == "zh-CN" else festival[1]


def field_values(facts: MessageFacts, language: str) -> dict[str, str]:
    """The text of every field for `facts` in `language` (empty where not known)."""
    name = facts.customer_name or ANONYMOUS[language]
    rule = (facts.rule_name or "").split(" (")[0] if language == "zh-CN" else (facts.rule_name or "")
    return {
        "customer_name": name, "name": name, "plate": facts.plate or "", "model": facts.model or "",
        "vehicle": _vehicle(facts, language), "due_date": day_text(facts.due_on, language),
        "delivered_on": day_text(facts.delivered_on, language), "expires_on": day_text(facts.expires_on, language),
        "inspection_date": day_text(facts.inspection_on, language),
        "years": "" if facts.years is None else str(facts.years), "festival": _festival(facts, language),
        "appointment_time": moment_text(facts.appointment_at, language), "message": facts.message or "",
        "store_name": facts.store_name or "", "store_phone": facts.store_phone or "",
        "store_contact": _store_contact(facts, language),
        "rule": rule, "staff_name": facts.staff_name or "", "complaint_id": facts.complaint_id or "",
        "level": word(LEVELS, facts.level, language), "severity": word(SEVERITIES, facts.severity, language),
        "category": word(CATEGORIES, facts.category, language), "escalation_reason": facts.escalation_reason or "",
    }


def template_errors(template: str) -> list[str]:
    """What is wrong with a template: not a template at all, or a field no message has (empty: fine)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [f"Not a valid template ({exc}); write a literal brace as {{{{ or }}}}."]
    errors = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in FIELDS:
            errors.append(f"Unknown field {{{field}}}; the fields are: {', '.join(FIELDS)}.")
        elif spec or conversion:
            errors.append(f"Field {{{field}}} takes no format: write {{{field}}}.")
    return errors


def render(template: str, values: Mapping[str, str]) -> str:
    """The text of `template` with its fields filled in; a field with no value gives nothing."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return template
    out = []
    for literal, field, _, _ in parts:
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out).strip()


def template_for(kind: str, language: str, overrides: Mapping[str, str] | None = None,
                 message: str | None = None) -> str:
    """The template a rule of `kind` uses in `language`: its own override, else the built-in one."""
    overrides = overrides or {}
    if overrides.get(language):
        return overrides[language]
    if language == DEFAULT_LANGUAGE and message:
        return message
    builtin = TEMPLATES.get(kind) or TEMPLATES["broadcast"]
    return builtin.get(language) or builtin[DEFAULT_LANGUAGE]


def compose(kind: str, facts: MessageFacts, language: str = DEFAULT_LANGUAGE,
            overrides: Mapping[str, str] | None = None, message: str | None = None) -> str:
    """The message of a reminder of `kind` with `facts`, in `language`."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return render(template_for(kind, language, overrides, message), field_values(facts, language))
