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

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

#: Every field a template may name, with what it holds (shown in the 422 naming an unknown one).
FIELDS: dict[str, str] = {
    "customer_name": "the customer's name (客户 when it may not be used)",
    "name": "the same as customer_name (kept for older templates)",
    "plate": "the vehicle's plate",
    "model": "the vehicle's model",
    "vehicle": "model and plate, as far as known: 雅阁（粤B12345）",
    "due_date": "the day the reminder is due",
    "delivered_on": "the vehicle's delivery day",
    "expires_on": "the day the contract or insurance ends",
    "inspection_date": "the day the vehicle's inspection is due",
    "years": "how many years since delivery (vehicle anniversary)",
    "festival": "the festival's name (holiday greeting)",
    "appointment_time": "the missed appointment's day and time",
    "message": "the text of a notice to many customers (broadcast)",
    "store_name": "the customer's store, when its name is configured",
    "store_phone": "the store's phone, when configured",
    "store_contact": "a sentence with the store's name and phone, empty when unknown",
    "rule": "the rule's name",
    "staff_name": "the member of staff a staff notification goes to",
    "complaint_id": "the complaint an escalation is about",
    "level": "the escalation level (经理, 总经理)",
    "severity": "the complaint's severity",
    "category": "the complaint's category",
    "escalation_reason": "why the complaint was escalated",
}

_ZH = {
    "delivery_callback": "尊敬的{customer_name}，感谢您选择我们，您的爱车{vehicle}已于{delivered_on}交付。"
                         "我们的顾问近期将与您联系，了解您的用车感受。{store_contact}",
    "first_maintenance": "尊敬的{customer_name}，您的爱车{vehicle}即将到首次保养时间（约{due_date}），"
                         "请提前预约到店保养。{store_contact}",
    "next_maintenance": "尊敬的{customer_name}，您的爱车{vehicle}即将到保养时间（约{due_date}），"
                        "请提前预约到店保养。{store_contact}",
    "annual_inspection": "尊敬的{customer_name}，您的爱车{vehicle}的年检将于{inspection_date}到期，"
                         "请及时办理，我们可为您代办。{store_contact}",
    "renewal": "尊敬的{customer_name}，您的{vehicle}相关合约将于{expires_on}到期，请及时续约。{store_contact}",
    "insurance_renewal": "尊敬的{customer_name}，您的爱车{vehicle}的保险将于{expires_on}到期，"
                         "请及时续保。{store_contact}",
    "birthday": "尊敬的{customer_name}，祝您生日快乐！",
    "vehicle_anniversary": "尊敬的{customer_name}，您的爱车{vehicle}今天{years}岁了！感谢您一路以来的信任与陪伴。"
                           "{store_contact}",
    "holiday_greeting": "尊敬的{customer_name}，{festival}将至，祝您节日快乐，阖家幸福！",
    "complaint_callback": "尊敬的{customer_name}，您反映的问题已处理完毕，我们将与您联系回访，"
                          "感谢您的理解与支持。{store_contact}",
    "contact_cadence": "尊敬的{customer_name}，好久不见，感谢您一直以来的支持！用车中有任何需要，欢迎随时联系我们。"
                       "{store_contact}",
    "lost_customer": "尊敬的{customer_name}，好久不见！您的爱车{vehicle}近来可好？欢迎回店检查保养。{store_contact}",
    "no_show_follow_up": "尊敬的{customer_name}，您预约的{appointment_time}到店未能如约，如需重新预约，"
                         "请与我们联系。{store_contact}",
    "broadcast": "尊敬的{customer_name}，{message}",
    "complaint_escalation": "【投诉升级】{staff_name}您好：客户{customer_name}的{severity}投诉（{category}）"
                            "已升级至{level}：{escalation_reason}。请尽快处理（投诉编号 {complaint_id}）。",
}
_EN = {
    "delivery_callback": "Dear {customer_name}, thank you for choosing us. Your {vehicle} was delivered on "
                         "{delivered_on}; our adviser will call you soon to hear how it suits you. {store_contact}",
    "first_maintenance": "Dear {customer_name}, your {vehicle} is due for its first service around {due_date}. "
                         "Please book a visit. {store_contact}",
    "next_maintenance": "Dear {customer_name}, your {vehicle} is due for a service around {due_date}. "
                        "Please book a visit. {store_contact}",
    "annual_inspection": "Dear {customer_name}, the inspection of your {vehicle} is due on {inspection_date}; "
                         "we can arrange it for you. {store_contact}",
    "renewal": "Dear {customer_name}, the contract for your {vehicle} ends on {expires_on}; please renew it in "
               "time. {store_contact}",
    "insurance_renewal": "Dear {customer_name}, the insurance of your {vehicle} ends on {expires_on}; please renew "
                         "it in time. {store_contact}",
    "birthday": "Dear {customer_name}, happy birthday!",
    "vehicle_anniversary": "Dear {customer_name}, your {vehicle} is {years} today! Thank you for your trust. "
                           "{store_contact}",
    "holiday_greeting": "Dear {customer_name}, best wishes for the {festival}!",
    "complaint_callback": "Dear {customer_name}, the matter you raised has been dealt with; we will call you to "
                          "hear whether you are satisfied. {store_contact}",
    "contact_cadence": "Dear {customer_name}, thank you for staying with us. Whatever your car needs, we are here. "
                       "{store_contact}",
    "lost_customer": "Dear {customer_name}, we have missed you! How is your {vehicle}? You are welcome back for a "
                     "check-up. {store_contact}",
    "no_show_follow_up": "Dear {customer_name}, we missed you at your appointment of {appointment_time}; please "
                         "contact us to book again. {store_contact}",
    "broadcast": "Dear {customer_name}, {message}",
    "complaint_escalation": "[Complaint escalated] {staff_name}: the {severity} complaint ({category}) of "
                            "{customer_name} was escalated to {level}: {escalation_reason}. Please act on it "
                            "(complaint {complaint_id}).",
}
#: The built-in template of every rule kind, per language.
TEMPLATES: dict[str, dict[str, str]] = {kind: {"zh-CN": _ZH[kind], "en": _EN[kind]} for kind in _ZH}

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


def field_values(facts: MessageFacts, language: str) -> dict[str, str]:
    """The text of every field for `facts` in `language` (empty where not known)."""
    from reminder.domain.festivals import FESTIVALS

    name = facts.customer_name or ANONYMOUS[language]
    festival = FESTIVALS.get(facts.festival or "")
    if facts.store_name and facts.store_phone:
        contact = (f"如有疑问，请致电{facts.store_name}：{facts.store_phone}。" if language == "zh-CN"
                   else f"Questions? Call {facts.store_name} on {facts.store_phone}.")
    elif facts.store_phone:
        contact = (f"如有疑问，请致电{facts.store_phone}。" if language == "zh-CN"
                   else f"Questions? Call {facts.store_phone}.")
    else:
        contact = ""
    rule = (facts.rule_name or "").split(" (")[0] if language == "zh-CN" else (facts.rule_name or "")
    values = {
        "customer_name": name, "name": name, "plate": facts.plate or "", "model": facts.model or "",
        "vehicle": _vehicle(facts, language), "due_date": day_text(facts.due_on, language),
        "delivered_on": day_text(facts.delivered_on, language), "expires_on": day_text(facts.expires_on, language),
        "inspection_date": day_text(facts.inspection_on, language),
        "years": "" if facts.years is None else str(facts.years),
        "festival": "" if festival is None else festival[0] if language == "zh-CN" else festival[1],
        "appointment_time": moment_text(facts.appointment_at, language), "message": facts.message or "",
        "store_name": facts.store_name or "", "store_phone": facts.store_phone or "", "store_contact": contact,
        "rule": rule, "staff_name": facts.staff_name or "", "complaint_id": facts.complaint_id or "",
        "level": word(LEVELS, facts.level, language), "severity": word(SEVERITIES, facts.severity, language),
        "category": word(CATEGORIES, facts.category, language), "escalation_reason": facts.escalation_reason or "",
    }
    return values


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
