"""The API's codes and the profile's fields in words, in the person's language."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def labels() -> dict[str, dict[str, str]]:
    """The API's codes in words, in the person's language."""
    return {
        "kind": {"prospect": _("Prospect"), "owner": _("Owner")},
        "stage": {"lead": _("Lead"), "prospect": _("Interested"), "owner": _("Bought"), "loyal": _("Loyal"),
                  "lost": _("Lost")},
        "tier": {"regular": _("Regular member"), "silver": _("Silver member"), "gold": _("Gold member"),
                 "diamond": _("Diamond member")},
        "visit": {"store": _("Store visit"), "delivery": _("Delivery"), "service": _("Service visit"),
                  "callback": _("Callback"), "sales_call": _("Sales call"), "event": _("Event")},
        "service_type": {"maintenance": _("Maintenance"), "repair": _("Repair"), "inspection": _("Annual inspection"),
                         "check": _("Check-up"), "warranty": _("Warranty"), "recall": _("Recall"),
                         "accident": _("Accident repair"), "other": _("Other")},
        "channel": {"phone": _("Phone"), "sms": _("SMS"), "questionnaire": _("Questionnaire"),
                    "face_to_face": _("Face to face"), "wechat": _("WeChat")},
        "satisfaction": {"very_satisfied": _("Very satisfied"), "satisfied": _("Satisfied"), "neutral": _("Neutral"),
                         "unsatisfied": _("Unsatisfied"), "very_unsatisfied": _("Very unsatisfied")},
        "reminder": {"delivery_callback": _("Delivery callback"), "first_maintenance": _("First maintenance"),
                     "next_maintenance": _("Next maintenance"), "annual_inspection": _("Annual inspection"),
                     "renewal": _("Contract renewal"), "insurance_renewal": _("Insurance renewal"),
                     "birthday": _("Birthday greeting"), "vehicle_anniversary": _("Purchase anniversary"),
                     "holiday_greeting": _("Festival greeting"), "complaint_callback": _("Complaint callback"),
                     "contact_cadence": _("Regular contact"), "lost_customer": _("Lost customer win-back"),
                     "no_show_follow_up": _("No-show follow-up"), "broadcast": _("Announcement"),
                     "complaint_escalation": _("Complaint escalation")},
        "reminder_status": {"scheduled": _("Planned"), "due": _("Due"), "claimed": _("Claimed"),
                            "snoozed": _("Snoozed"), "sent": _("Sent"), "done": _("Done"),
                            "cancelled": _("Cancelled")},
        "appointment_status": {"booked": _("Booked"), "kept": _("Kept"), "no_show": _("No-show"),
                               "cancelled": _("Cancelled")},
        "purpose": {"maintenance": _("Maintenance"), "repair": _("Repair"), "inspection": _("Annual inspection"),
                    "renewal": _("Insurance renewal"), "test_drive": _("Test drive"), "delivery": _("Delivery"),
                    "consultation": _("Consultation")},
        "complaint_status": {"filed": _("Filed"), "acknowledged": _("Acknowledged"), "assigned": _("Assigned"),
                             "in_progress": _("In progress"), "resolved": _("Resolved"),
                             "callback": _("Awaiting callback"), "closed": _("Closed"), "reopened": _("Reopened"),
                             "rejected": _("Rejected")},
        "severity": {"minor": _("Minor"), "normal": _("Normal"), "serious": _("Serious"), "critical": _("Critical")},
        "points": {"earn": _("Earned"), "redeem": _("Redeemed"), "adjust": _("Adjusted"), "expire": _("Expired")},
        "history": {"created": _("Customer created"), "create": _("Customer created"), "updated": _("Profile edited"),
                    "update": _("Profile edited"), "asset_registered": _("Vehicle registered"),
                    "asset_updated": _("Vehicle corrected"), "asset_voided": _("Vehicle voided"),
                    "made_owner": _("Became an owner"), "merged": _("Merged"), "erased": _("Erased"),
                    "visit_recorded": _("Visit recorded"), "visit_corrected": _("Visit corrected"),
                    "visit_voided": _("Visit voided"), "stage_changed": _("Stage changed"),
                    "tier_changed": _("Membership tier changed"), "odometer_recorded": _("Odometer reading recorded"),
                    "asset_transferred_in": _("Vehicle transferred from another customer"),
                    "asset_transferred_out": _("Vehicle transferred to another customer"),
                    "merged_into": _("Merged into another record"), "unmerged": _("Merge undone"),
                    "consent_changed": _("Consents changed"),
                    "personal_data_exported": _("Personal data exported")},
        "grade": {"H": _("H: buys within 7 days"), "A": _("A: buys within 15 days"),
                  "B": _("B: buys within 30 days"), "C": _("C: buys later")},
    }


def word(group: str, code: Any) -> str:
    """A code of the API in words (the code itself when it is not known)."""
    if code in (None, ""):
        return ""
    return labels()[group].get(code, str(code))


def edit_labels() -> dict[str, str]:
    """The profile's fields as the edit form (and the timeline, and the data tools) names them."""
    return {"name": _("Name"), "phone": _("Phone"), "kind": _("Kind"), "stage": _("Stage"),
            "intent_grade": _("Intent grade"), "wanted_model": _("Wanted model"), "owner": _("Owner (consultant)"),
            "deputy_owner": _("Deputy owner"), "tags": _("Tags"), "email": _("Email"), "source": _("Source"),
            "notes": _("Notes"), "quiet_hours.start": _("Quiet hours from"), "quiet_hours.end": _("Quiet hours to"),
            "consent.sms": _("Agrees to SMS"), "consent.phone": _("Agrees to phone calls"),
            "consent.email": _("Agrees to email"), "consent.wechat": _("Agrees to WeChat messages")}
