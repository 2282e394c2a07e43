"""How likely two customer records are the same person, and why.

Each piece of evidence has a weight (the chance on its own that the pair is one person, as a dealer
would judge it); pieces combine as independent evidence, 1 - Π(1 - weight), so a score never passes 1
and more evidence always raises it. A phone cannot be shared (the archive refuses a second customer
with a known number), so phones never show up here: the rules catch the records that slipped past it —
a new number, a typo in the name, the same car registered twice.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from customer.domain.pinyin import fold, syllables

#: Evidence and its weight.
WEIGHTS = {
    "same_email": 0.9,
    "same_vehicle_plate": 0.6,
    "same_name_same_region": 0.6,
    "same_name": 0.25,
    "same_pinyin_same_region": 0.45,  # 张伟 / 章伟: a homophone typed by mistake
    "same_pinyin": 0.15,
    "same_birthday": 0.3,
    "same_employer": 0.15,
}


@dataclass(frozen=True)
class Likeness:
    """A pair's score (0..1) and the evidence behind it."""

    score: float
    reasons: tuple[str, ...]


def email_key(email: str | None) -> str | None:
    """An email as compared here: trimmed, lower case."""
    return email.strip().lower() if email and email.strip() else None


def _region(customer: Mapping[str, Any]) -> tuple[str | None, str | None]:
    region = customer.get("region") or {}
    return region.get("city"), region.get("district")


def _same_region(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Same city (and same district when both say)."""
    (city, district), (other_city, other_district) = _region(first), _region(second)
    if not city or city != other_city:
        return False
    return not (district and other_district and district != other_district)


def likeness(first: Mapping[str, Any], second: Mapping[str, Any], shared_plates: int = 0) -> Likeness:
    """How likely `first` and `second` are one person; `shared_plates` is how many plates they share."""
    reasons = []
    if email_key(first.get("email")) and email_key(first.get("email")) == email_key(second.get("email")):
        reasons.append("same_email")
    if shared_plates:
        reasons.append("same_vehicle_plate")
    region = _same_region(first, second)
    if fold(first["name"]) == fold(second["name"]):
        reasons.append("same_name_same_region" if region else "same_name")
    elif syllables(first["name"]) == syllables(second["name"]):
        reasons.append("same_pinyin_same_region" if region else "same_pinyin")
    if first.get("birthday") and first.get("birthday") == second.get("birthday"):
        reasons.append("same_birthday")
    if first.get("employer") and fold(first["employer"]) == fold(second.get("employer") or ""):
        reasons.append("same_employer")
    unlikely = 1.0
    for reason in reasons:
        unlikely *= 1 - WEIGHTS[reason]
    return Likeness(round(1 - unlikely, 3), tuple(reasons))
