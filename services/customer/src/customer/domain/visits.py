"""Kinds of visit and which details belong to each (PRODUCT.md 2.1, seeds [000][001][004])."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from customer.domain.errors import InvalidFields

VISIT_KINDS = ("store", "delivery", "service", "callback", "sales_call", "event")
CALLBACK_CHANNELS = ("phone", "sms", "questionnaire", "face_to_face", "wechat")
#: What a callback channel is called at the dealership.
CHANNEL_LABELS = {"phone": "电话", "sms": "短信", "questionnaire": "问卷", "face_to_face": "当面", "wechat": "微信"}
#: What a service (workshop) visit was for; only a maintenance (保养) counts as one (first maintenance, 首保率).
SERVICE_TYPES = ("maintenance", "repair", "inspection", "check", "warranty", "recall", "accident", "other")
SERVICE_TYPE_LABELS = {"maintenance": "保养", "repair": "维修", "inspection": "年检", "check": "检测/检查",
                       "warranty": "保修", "recall": "召回", "accident": "事故", "other": "其他"}
#: A visit happened between these: not before 1990, not more than a day ahead of now (clocks, time zones).
EARLIEST_VISIT = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
SATISFACTION = ("very_unsatisfied", "unsatisfied", "neutral", "satisfied", "very_satisfied")

#: The details each kind of visit may carry.
DETAILS_OF_KIND: dict[str, tuple[str, ...]] = {
    "store": ("purpose",),
    "delivery": (),
    "service": ("odometer_km", "amount", "service_type"),
    "callback": ("channel", "satisfaction", "scores", "outcome"),
    "sales_call": ("purpose", "outcome"),
    "event": ("event_name",),
}
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {"callback": ("channel", "satisfaction"),
                                                "service": ("service_type",)}
ALL_DETAILS = tuple(sorted({name for names in DETAILS_OF_KIND.values() for name in names}))


def check_details(kind: str, details: Mapping[str, Any], require: bool = True) -> dict[str, Any]:
    """The details of a `kind` visit (None values dropped); raise InvalidFields for foreign or missing ones
    (`require=False`: a correction of an older visit, which may lack what a new one needs)."""
    errors: dict[str, list[str]] = {}
    allowed = DETAILS_OF_KIND[kind]
    for name, value in details.items():
        if value is not None and name not in allowed:
            errors[name] = [f"A {kind} visit has no {name}; it belongs to "
                            f"{', '.join(k for k, names in DETAILS_OF_KIND.items() if name in names)} visits."]
    for name in REQUIRED_DETAILS.get(kind, ()) if require else ():
        if details.get(name) is None:
            errors[name] = [f"A {kind} visit needs {name}" + (
                f": one of {', '.join(f'{code} ({label})' for code, label in SERVICE_TYPE_LABELS.items())}."
                if name == "service_type" else ".")]
    if errors:
        raise InvalidFields(errors)
    return {name: value for name, value in details.items() if value is not None}


def check_occurred_at(moment: datetime, now: datetime, field: str = "occurred_at") -> None:
    """Raise InvalidFields unless the visit's time is from 1990 on and not more than a day ahead of `now`."""
    if moment < EARLIEST_VISIT:
        raise InvalidFields.one(field, "A visit cannot be dated before 1990-01-01.")
    if moment > now + FUTURE_SLACK:
        raise InvalidFields.one(field, f"A visit cannot be dated more than a day ahead (now is "
                                       f"{now.astimezone(UTC).isoformat(timespec='minutes')}); "
                                       "record it when it has happened.")


def counts_as_maintenance(details: Mapping[str, Any]) -> bool:
    """Whether a service visit's details make it a maintenance (an older one without a type does)."""
    return details.get("service_type", "maintenance") == "maintenance"
