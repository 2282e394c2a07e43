"""An escalated complaint reaches a person: complaint.escalated.v1 naming `escalated_to` makes a task for
that user (rule `complaint_escalation`, due at once, reason in words, the complaint linked) and a staff
notification through the channels configured for the user's contacts — on the embedded default, or while
the user's contacts are unknown, the local outbox, addressed to the username. A second delivery of the
event (or a replay) creates nothing more: the task's key names the complaint, level and moment."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from reminder import events
from reminder.adapters import consumed_events
from reminder.adapters.clock import now, utc
from reminder.adapters.notifications import NotificationRepository
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.adapters.staff import Contacts, contacts_of
from reminder.config import ReminderSettings
from reminder.domain.messages import CATEGORIES, LEVELS, SEVERITIES, TARGETS, MessageFacts, compose, word
from reminder.domain.reminder_rules import Rule
from reminder.service_layer.customer_copy import ensure_customer
from reminder.service_layer.emit import emit_reminder
from servicekit import staff

log = logging.getLogger(__name__)
RULE = "complaint_escalation"
#: The pseudo-channel of a staff notification that only the local outbox can carry (no contacts known).
LOCAL_CHANNEL = "local"


def why(target: str | None, language: str = "zh-CN") -> str:
    """Why it was escalated, in words: an SLA target missed, or the severity."""
    if language != "zh-CN":
        if target is None:
            return "escalated for its severity"
        return f"the {word(TARGETS, target, 'en')} target was missed"
    if target is None:
        return "按严重程度升级"
    return f"{word(TARGETS, target, 'zh-CN')}时限已过"


def reason(loaded: dict[str, Any]) -> str:
    """The task's reason, in Chinese: 投诉升级：严重服务问题投诉，按严重程度升级至总经理，请立即处理。"""
    severity = word(SEVERITIES, loaded.get("severity"), "zh-CN")
    category = word(CATEGORIES, loaded.get("category"), "zh-CN")
    level = word(LEVELS, loaded["level"], "zh-CN")
    if loaded.get("target") is None:
        return f"投诉升级：{severity}{category}投诉，按严重程度升级至{level}，请立即处理。"
    return f"投诉升级：{severity}{category}投诉，{why(loaded['target'])}，升级至{level}，请立即处理。"


def _staff_rows(contacts: Contacts | None, username: str, settings: ReminderSettings) -> list[dict[str, Any]]:
    """Where the staff notification goes: each configured channel the user has a contact for (to the local
    outbox where that channel is not configured and the outbox is on); else the local outbox alone."""
    rows = []
    if contacts is not None:
        for channel, target in (("wechat", contacts.wechat_openid), ("sms", contacts.phone),
                                ("email", contacts.email)):
            if target and (settings.configured(channel) or settings.local(channel)):
                rows.append({"channel": channel, "target": target, "local": not settings.configured(channel)})
    if rows:
        return rows
    if settings.local_outbox == "false":
        return [{"channel": LOCAL_CHANNEL, "target": None, "local": False, "status": "skipped",
                 "skip_reason": f"no contacts of {username} are known here and the local outbox is off"}]
    return [{"channel": LOCAL_CHANNEL, "target": username, "local": True}]


def _message(session: Session, loaded: dict[str, Any], rule: Rule, customer: Any, username: str, moment: Any,
             settings: ReminderSettings) -> str:
    """The staff notification's text, addressing the user by the name colleagues know them by (when the gateway
    has it)."""
    person = staff.find(session, username)
    facts = MessageFacts(customer_name=customer.name, staff_name=(person and person.display_name) or username,
                         complaint_id=loaded["complaint_id"],
                         level=loaded["level"], severity=loaded.get("severity"), category=loaded.get("category"),
                         escalation_reason=why(loaded.get("target"), settings.language), rule_name=rule.name,
                         due_on=moment.astimezone(settings.zone).date())
    return compose(rule.kind, facts, settings.language, rule.templates, rule.message)


def apply_escalation(session: Session, data: dict[str, Any], settings: ReminderSettings,
                     contacts_of: Callable[[Session, str], Contacts | None] = contacts_of) -> None:
    """complaint.escalated.v1: a task for `escalated_to` and a staff notification (nothing when nobody is named)."""
    loaded = consumed_events.EscalatedIn().load(data)
    username = loaded.get("escalated_to")
    if not username:
        return
    rule = RuleRepository(session).get(RULE)
    if rule is None or not rule.enabled:
        log.info("complaint %s escalated to %s: the %s rule is off", loaded["complaint_id"], username, RULE)
        return
    occurred = utc(loaded["occurred_at"])
    key = f"{RULE}:{loaded['complaint_id']}:{loaded['level']}:{occurred.isoformat()}"
    reminders = ReminderRepository(session)
    if reminders.key_taken(key):
        return
    customer = ensure_customer(session, loaded["customer_id"])
    moment = now()
    reminder_id = str(uuid.uuid4())
    reminders.add(id=reminder_id, key=key, rule_id=rule.id, kind=rule.kind, customer_id=customer.id, asset_id=None,
                  due_at=moment, status="due", owner=rule.owner or username, reason=reason(loaded), task=rule.task,
                  created_at=moment, fired_at=moment, complaint_id=loaded["complaint_id"])
    emit_reminder(session, events.REMINDER_DUE, reminders.get(reminder_id), customer.store_id or loaded.get("store_id"))
    body = _message(session, loaded, rule, customer, username, moment, settings)
    notifications = NotificationRepository(session)
    for planned in _staff_rows(contacts_of(session, username), username, settings):
        status = planned.get("status", "pending")
        notifications.add(
            id=str(uuid.uuid4()), reminder_id=reminder_id, customer_id=customer.id, channel=planned["channel"],
            status=status, target=planned["target"], body=body if status == "pending" else None, send_at=moment,
            attempts=0, next_attempt_at=moment if status == "pending" else None, note=None,
            skip_reason=planned.get("skip_reason"), created_at=moment, local=planned["local"], username=username)
