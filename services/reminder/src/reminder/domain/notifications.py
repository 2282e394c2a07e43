"""Whether, when and to where a notification may go: consent per channel, opt-outs, quiet hours.

Webhook notifications go to the business's own integration endpoint (a WeChat service account, an app),
which passes them on; the archive has no consent flag for it, so only opt-outs and quiet hours apply
there, and the body carries the customer's consent flags for the receiver to honour. It carries no more
of the person than their consent allows (PIPL's minimum necessary, art. 6): the phone number only with
consent to SMS or calls, the e-mail address only with consent to e-mail, the name only with some consent.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from reminder.domain.calendar import after_quiet_hours


@dataclass(frozen=True)
class Recipient:
    """The customer as notifications see them."""

    name: str | None
    phone: str | None
    email: str | None
    consent: Mapping[str, bool] = field(default_factory=dict)  # sms, phone, email
    quiet_hours: tuple[time, time] | None = None
    opted_out: frozenset[str] = frozenset()
    erased: bool = False
    wechat_openid: str | None = None  # consent: `wechat`


@dataclass(frozen=True)
class Decision:
    """Send to `target` at `send_at`, or not at all for `skip_reason`; `note` says why it was deferred."""

    target: str | None = None
    send_at: datetime | None = None
    skip_reason: str | None = None
    note: str | None = None


#: What each channel needs of the customer: (the consent, the contact's attribute, the reasons when either lacks).
NEEDS = {"sms": ("sms", "phone", "no consent to SMS", "no phone number"),
         "email": ("email", "email", "no consent to email", "no email address"),
         "wechat": ("wechat", "wechat_openid", "no consent to WeChat", "no WeChat openid")}


def _target(channel: str, recipient: Recipient) -> tuple[str | None, str | None]:
    """Where a `channel` message to the recipient goes, or why it cannot go: (target, skip reason)."""
    if channel not in NEEDS:
        return "webhook", None
    consent, contact, no_consent, no_contact = NEEDS[channel]
    if not recipient.consent.get(consent):
        return None, no_consent
    target = getattr(recipient, contact)
    return (target, None) if target else (None, no_contact)


def decide(channel: str, recipient: Recipient, moment: datetime, zone: ZoneInfo,
           configured: bool = True) -> Decision:
    """Where and when a `channel` notification due at `moment` goes, or why it does not."""
    if recipient.erased:
        return Decision(skip_reason="the customer's personal data was erased")
    if channel in recipient.opted_out:
        return Decision(skip_reason=f"the customer opted out of {channel}")
    if not configured:
        return Decision(skip_reason=f"no {channel} channel is configured")
    target, skip_reason = _target(channel, recipient)
    if skip_reason is not None:
        return Decision(skip_reason=skip_reason)
    send_at, note = moment, None
    if recipient.quiet_hours is not None:
        start, end = recipient.quiet_hours
        send_at = after_quiet_hours(moment, start, end, zone)
        if send_at != moment:
            note = f"deferred by quiet hours {start:%H:%M}–{end:%H:%M} until {send_at.astimezone(zone):%Y-%m-%d %H:%M}"
    return Decision(target=target, send_at=send_at, note=note)


#: How the text addresses a customer whose name it may not carry ("Dear customer").
ANONYMOUS = "客户"


def shared_details(recipient: Recipient) -> dict[str, str]:
    """What of the customer a webhook receiver may have: each contact detail only under its consent."""
    consent = recipient.consent
    details = {"name": recipient.name if any(consent.values()) else None,
               "phone": recipient.phone if consent.get("sms") or consent.get("phone") else None,
               "email": recipient.email if consent.get("email") else None}
    return {key: value for key, value in details.items() if value}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str | None, rule_name: str, values: Mapping[str, str | None]) -> str:
    """The message text: the rule's template with {name}, {reason}, {due_date} … filled in."""
    template = template or "尊敬的{name}，{rule}：{reason}"
    filled = _Blank({key: value or "" for key, value in values.items()})
    filled["rule"] = rule_name
    try:
        return template.format_map(filled)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):  # not a format string: as written
        return template
