"""Today's words: each kind of task, outcome and status in words, and the page's tasks grouped by kind."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

#: What each kind of reminder is, in the order Today shows them (every kind the reminder service has).
KIND_LABELS = {
    "delivery_callback": N_("Delivery callback"),
    "first_maintenance": N_("First maintenance"),
    "next_maintenance": N_("Next maintenance"),
    "annual_inspection": N_("Vehicle inspection"),
    "renewal": N_("Contract renewal"),
    "insurance_renewal": N_("Insurance renewal"),
    "birthday": N_("Birthday greeting"),
    "vehicle_anniversary": N_("Vehicle anniversary"),
    "holiday_greeting": N_("Festival greeting"),
    "complaint_callback": N_("Complaint callback"),
    "complaint_escalation": N_("Escalated complaint"),
    "contact_cadence": N_("Regular contact"),
    "lost_customer": N_("Lost-customer win-back"),
    "no_show_follow_up": N_("Appointment confirmation and no-show follow-up"),
    "broadcast": N_("Notice to customers"),
}
#: Rules with a label of their own within their kind (the two delivery callbacks).
RULE_LABELS = {
    "delivery_callback_3d": N_("3-day delivery callback"),
    "delivery_callback_1m": N_("1-month delivery callback"),
}
#: How a task can end (the reminder service's outcomes).
OUTCOME_LABELS = {
    "reached": N_("Reached"),
    "booked": N_("Booked an appointment"),
    "not_reached": N_("Not reached"),
    "declined": N_("Refused"),
    "won_back": N_("Won back"),
    "lost": N_("Lost for good"),
    "other": N_("Other"),
}
#: Outcomes that only make sense for a lost customer's win-back.
LOST_ONLY = ("won_back", "lost")
STATUS_LABELS = {
    "due": N_("Due"), "claimed": N_("Claimed"), "snoozed": N_("Snoozed"), "done": N_("Done"),
    "cancelled": N_("Cancelled"), "scheduled": N_("Scheduled"), "sent": N_("Sent"),
}
#: A callback's (回访) channel and the customer's satisfaction, for callback tasks.
CALLBACK_KINDS = ("delivery_callback", "complaint_callback")
CHANNEL_LABELS = {
    "phone": N_("Phone"), "sms": N_("SMS"), "wechat": N_("WeChat"), "questionnaire": N_("Questionnaire"),
    "face_to_face": N_("Face to face"),
}
SATISFACTION_LABELS = {
    "very_satisfied": N_("Very satisfied"), "satisfied": N_("Satisfied"), "neutral": N_("Neutral"),
    "unsatisfied": N_("Unsatisfied"), "very_unsatisfied": N_("Very unsatisfied"),
}


def group_label(task: dict[str, Any]) -> str:
    return str(RULE_LABELS.get(task.get("rule") or "") or KIND_LABELS.get(task.get("rule_kind") or "")
               or task.get("rule_name") or task.get("rule_kind") or "")


def groups_of(tasks: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The page's tasks by kind (the two delivery callbacks apart), in the order of KIND_LABELS: (key, label, tasks)."""
    order = {kind: index for index, kind in enumerate(KIND_LABELS)}
    grouped: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for task in tasks:
        key = task["rule"] if task.get("rule") in RULE_LABELS else task.get("rule_kind") or ""
        grouped.setdefault(key, []).append(task)

    def rank(key: str) -> tuple[int, str]:
        kind = "delivery_callback" if key in RULE_LABELS else key
        return order.get(kind, len(order)), key

    return [(key, group_label(grouped[key][0]), grouped[key]) for key in sorted(grouped, key=rank)]


def outcomes_for(task: dict[str, Any]) -> list[tuple[str, str]]:
    """The outcomes a task can end with (won back and lost for good only for a lost customer's win-back)."""
    return [(code, str(label)) for code, label in OUTCOME_LABELS.items()
            if code not in LOST_ONLY or task.get("rule_kind") == "lost_customer"]


def labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "outcome_labels": OUTCOME_LABELS, "status_labels": STATUS_LABELS,
            "channel_labels": CHANNEL_LABELS, "satisfaction_labels": SATISFACTION_LABELS,
            "callback_kinds": CALLBACK_KINDS, "outcomes_for": outcomes_for, "group_label": group_label}
