"""What the customer pages share: the blueprint, the business time zone, and reading a form's text."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app

blp = Blueprint("customers", "console.views.customers")

PAGE_SIZE = 20
#: The channels a customer agrees (or not) to be contacted on.
CONSENTS = ("sms", "phone", "email", "wechat")
SEARCH_WORDS = re.compile(r"[,，、;；\s]+")


def business_zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["console"].settings.time_zone)


def moment(value: str | None) -> datetime | None:
    """An API timestamp (or date) as an aware datetime, for ordering a timeline."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=business_zone())


def local_to_instant(value: str) -> str | None:
    """A <input type=datetime-local> value, meant in the business time zone, as ISO 8601 with its offset."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=business_zone()).isoformat()
    except ValueError:
        return value  # the API says what is wrong with it, beside the field


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def tags_of(text: str | None) -> list[str]:
    return [tag for tag in SEARCH_WORDS.split(text or "") if tag]


def number(text: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text  # the API says it is not a number, beside the field


def items(part: Any) -> list[dict[str, Any]]:
    """The items of a page the API answered (none when it refused or was unavailable)."""
    return list(part.get("items") or []) if isinstance(part, dict) else []
