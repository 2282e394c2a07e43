"""The words of the complaint domain: channels, categories, severities, statuses, scales.

From PRODUCT.md 2.2 and the seeds it cites ([000] 客户投诉处理流程, [002] L1240 the seven steps, L1150 the
survey card with its four items on a four-level scale).
"""
from __future__ import annotations

#: How the complaint reached us; `wechat` (微信) is the channel Chinese dealerships use most.
CHANNELS = ("phone", "store", "web", "email", "sms", "letter", "survey", "wechat")
CATEGORIES = ("quality", "service", "general", "incident")
SEVERITIES = ("minor", "normal", "serious", "critical")
#: Severities escalated to the general manager the moment they are filed [002].
ESCALATE_AT_ONCE = frozenset({"serious", "critical"})

STATUSES = ("filed", "acknowledged", "assigned", "in_progress", "resolved", "callback", "closed", "reopened",
            "rejected")
OPEN_STATUSES = tuple(status for status in STATUSES if status not in ("closed", "rejected"))

#: The customer's answer at a callback, worst first (five-point scale).
SATISFACTION = ("very_unsatisfied", "unsatisfied", "neutral", "satisfied", "very_satisfied")
#: Answers that allow closing [002 step 7: "如果客户满意或非常满意，则投诉正式受理完毕"].
SATISFIED = frozenset({"satisfied", "very_satisfied"})
#: Answers that send the complaint back to assignment ("如果客户不满意，则重新从第二步开始").
UNSATISFIED = frozenset({"unsatisfied", "very_unsatisfied"})

#: The survey card's four-level scale [002 L1150: "每项均按客户的满意状况分为四个程度"].
SURVEY_LEVELS = ("very_satisfied", "satisfied", "unsatisfied", "very_unsatisfied")
SURVEY_ITEMS = ("attitude", "skill", "timeliness", "promise_kept")

CALLBACK_CHANNELS = ("phone", "sms", "questionnaire", "face_to_face", "wechat", "email")

#: SLA targets: what must happen, counted in working time from when.
#: acknowledge: filed -> acknowledged; respond: assigned -> the department answers (start or resolve);
#: resolve: filed (or reopened) -> resolved, the reply promised to the customer; first_callback: resolved ->
#: first callback.
TARGETS = ("acknowledge", "respond", "resolve", "first_callback")

#: Escalation levels, lowest first.
LEVELS = ("manager", "general_manager")

RECTIFICATION_STATUSES = ("open", "done")

#: What a correction may change (PATCH /complaints/{id}): the words the complaint was filed with.
CORRECTABLE = ("channel", "category", "subcategory", "severity", "description")

#: The store of the group-wide default escalation contact (as "*" in SLA policies means any).
EVERY_STORE = "*"
