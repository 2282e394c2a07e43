"""The words of the complaint domain, translated: statuses, categories, severities, channels, satisfaction,
departments, SLA targets and timeline actions (each code of the API with its label)."""
from __future__ import annotations

from flask_babel import lazy_gettext as N_  # marks a label for extraction (N_ is a pybabel keyword), lazily

STATUSES = {
    "filed": N_("Filed"), "acknowledged": N_("Acknowledged"), "assigned": N_("Assigned"),
    "in_progress": N_("In progress"), "resolved": N_("Resolved"), "callback": N_("Called back"),
    "closed": N_("Closed"), "reopened": N_("Reopened"), "rejected": N_("Rejected"),
}
CATEGORIES = {"quality": N_("Product quality"), "service": N_("Service"), "general": N_("General"),
              "incident": N_("Incident")}
SEVERITIES = {"minor": N_("Minor"), "normal": N_("Normal"), "serious": N_("Serious"), "critical": N_("Critical")}
CHANNELS = {"phone": N_("Phone"), "store": N_("In store"), "web": N_("Website"), "email": N_("Email"), "sms": N_("SMS"),
            "letter": N_("Letter"), "survey": N_("Survey"), "wechat": N_("WeChat")}
CALLBACK_CHANNELS = {"phone": N_("Phone"), "sms": N_("SMS"), "questionnaire": N_("Questionnaire"),
                     "face_to_face": N_("Face to face"), "wechat": N_("WeChat"), "email": N_("Email")}
#: The five-point satisfaction of a callback, worst first, numbered 1-5 as the customer is asked.
SATISFACTION = {"very_unsatisfied": N_("Very unsatisfied"), "unsatisfied": N_("Unsatisfied"),
                "neutral": N_("Neutral"), "satisfied": N_("Satisfied"), "very_satisfied": N_("Very satisfied")}
#: The survey card's four levels, best first.
SURVEY_LEVELS = ("very_satisfied", "satisfied", "unsatisfied", "very_unsatisfied")
SURVEY_ITEMS = {"attitude": N_("Attitude"), "skill": N_("Skill"), "timeliness": N_("Timeliness"),
                "promise_kept": N_("Promise kept")}
#: The departments a complaint is given to (the API keeps the code; other codes are shown as they are).
DEPARTMENTS = {"after_sales": N_("After-sales service"), "sales": N_("Sales"), "customer_care": N_("Customer care"),
               "parts": N_("Parts"), "body_paint": N_("Body and paint"), "finance": N_("Finance"),
               "management": N_("General manager's office")}
LEVELS = {"manager": N_("Manager"), "general_manager": N_("General manager")}
TARGETS = {"acknowledge": N_("Acknowledge within"), "respond": N_("Respond within"),
           "resolve": N_("Resolve within"), "first_callback": N_("First callback within")}
#: Timeline actions (the workflow steps and the others the service records).
ACTIONS = {
    "file": N_("Filed"), "acknowledge": N_("Acknowledged"), "assign": N_("Assigned"), "start": N_("Work started"),
    "resolve": N_("Resolved"), "callbacks": N_("Callback recorded"), "callback": N_("Callback recorded"),
    "close": N_("Closed"), "reopen": N_("Reopened"), "reject": N_("Rejected"), "pause": N_("Waiting on the customer"),
    "resume": N_("Clocks resumed"), "survey": N_("Survey recorded"), "escalate": N_("Escalated"),
    "correct": N_("Corrected"), "sla_warned": N_("SLA warning"), "sla_breached": N_("SLA breached"),
    "rectification": N_("Rectification notice issued"),
}
NOTICE_STATUSES = {"open": N_("Open"), "done": N_("Done")}
#: What the timeline shows of a step's details.
DETAIL_LABELS = {"reason": N_("Reason"), "findings": N_("Findings"), "resolution": N_("Resolution"),
                 "department": N_("Department"), "assignee": N_("Assignee"),
                 "responsible_party": N_("Responsible party"), "satisfaction": N_("Satisfaction"),
                 "comment": N_("Comment")}

VOCABULARY = {"statuses": STATUSES, "categories": CATEGORIES, "severities": SEVERITIES, "channels": CHANNELS,
              "callback_channels": CALLBACK_CHANNELS, "satisfaction": SATISFACTION, "survey_levels": SURVEY_LEVELS,
              "survey_items": SURVEY_ITEMS, "departments": DEPARTMENTS, "levels": LEVELS, "targets": TARGETS,
              "actions": ACTIONS, "notice_statuses": NOTICE_STATUSES, "detail_labels": DETAIL_LABELS}
