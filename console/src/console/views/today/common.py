"""What Today shares with the other pages: the blueprint, the business time zone, a typed time and a page
number from the query."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request

blp = Blueprint("today", "console.views.today")


def zone() -> ZoneInfo:
    """The business time zone."""
    return ZoneInfo(current_app.extensions["console"].settings.time_zone)


def local_time(value: str) -> str | None:
    """A time typed in a datetime-local field (the business time zone) as ISO 8601 with its offset; None when
    empty, the text as typed when it is not a time (the API then says what is wrong with it)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone())).isoformat()


def page_number(name: str = "page") -> int:
    """A page number from the query (1 when absent or not a number)."""
    try:
        return max(1, min(int(request.args.get(name, 1)), 1_000_000))
    except ValueError:
        return 1
