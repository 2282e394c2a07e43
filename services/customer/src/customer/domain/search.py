"""Reading search terms: a phone filter is a whole number or its last digits; the `q` box is anything."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from customer.domain.errors import InvalidFields
from customer.domain.phones import DIALABLE, InvalidPhone, digits, is_mobile, normalise_phone
from customer.domain.pinyin import KEY_LENGTH, fold
from customer.domain.vehicles import looks_like_vin, normalise_vin, plate_key

MIN_PHONE_DIGITS = 4
#: The last characters of a VIN staff read out (the serial number at its end).
VIN_TAIL = 6
#: The end of a plate staff type: letters and digits (at least one digit), without the province ("B12345", "12345").
_PLATE_END = re.compile(r"^(?=.*[0-9])[A-Z0-9]{3,8}$")
_VIN_TAIL = re.compile(rf"^(?=.*[0-9])[A-HJ-NPR-Z0-9]{{{VIN_TAIL}}}$")
#: A search counts the customers it finds up to here; past it the total says "at least" (5,000+).
COUNT_LIMIT = 5000


class Total(int):
    """How many customers a search found; `is_lower_bound` when counting stopped early (COUNT_LIMIT)."""

    is_lower_bound: bool

    def __new__(cls, value: int, is_lower_bound: bool = False) -> Total:
        total = super().__new__(cls, value)
        total.is_lower_bound = is_lower_bound
        return total


def phone_suffix(term: str) -> str | None:
    """The digits a phone search matches at the end of a number, or None when `term` is no phone.

    A whole mobile number ("138 0013 8000", "+86 138…") and a number given with its trunk prefix ("010 1234
    5678") are normalised first, so national and international spellings find the same customer. Anything else
    dialable with 4+ digits matches as a suffix, as typed, even when it also reads as a whole landline: the last
    8 digits of a mobile may ("24964272" is +86 24 964272 too), and must still find the mobile (the landline's
    digits end with them as well).
    """
    text = term.strip()
    if not DIALABLE.match(text):
        return None
    raw_digits = re.sub(r"\D", "", text)
    if len(raw_digits) < MIN_PHONE_DIGITS:
        return None
    try:
        number = normalise_phone(text)
    except InvalidPhone:
        return raw_digits
    whole = digits(number)
    return raw_digits if whole.endswith(raw_digits) and not is_mobile(number) else whole


def whole_phone(term: str) -> str | None:
    """The digits of `term` when it is a whole valid phone number (an exact match ranks first), else None."""
    if not DIALABLE.match(term.strip()):
        return None
    try:
        return digits(normalise_phone(term))
    except InvalidPhone:
        return None


def name_key(term: str) -> str | None:
    """`term` as name search keys compare it (customer.domain.pinyin), or None when nothing is left."""
    key = fold(term)[:KEY_LENGTH]
    return key or None


def phone_filter(term: str, field: str = "phone") -> str:
    """The suffix digits of the `phone` filter; raise InvalidFields when it cannot be a phone search."""
    suffix = phone_suffix(term)
    if suffix is None:
        raise InvalidFields.one(field, f"Give a whole phone number or at least its last {MIN_PHONE_DIGITS} "
                                       "digits (digits, spaces and dashes only).")
    return suffix


def vin_filter(term: str, field: str = "vin") -> str:
    """The VIN of the `vin` filter, upper-cased: a whole VIN, or its last VIN_TAIL characters; raise
    InvalidFields when it is neither."""
    tail = vin_tail(term)
    if tail is not None:
        return tail
    try:
        return normalise_vin(term)
    except ValueError as exc:
        raise InvalidFields.one(field, f"{exc} Give a whole VIN or its last {VIN_TAIL} characters.") from None


def vin_tail(term: str) -> str | None:
    """`term` upper-cased when it can be the last VIN_TAIL characters of a VIN (with a digit), else None."""
    text = re.sub(r"\s", "", term).upper()
    return text if _VIN_TAIL.match(text) else None


def plate_end(term: str) -> str | None:
    """`term` as a plate key when it can be the end of a plate as staff type it (no province, a digit), else None."""
    key = plate_key(term)
    return key if _PLATE_END.match(key) else None


@dataclass(frozen=True)
class QueryTerms:
    """What one free-text `q` may be: part of a name (or its pinyin), a phone suffix, a plate or its end, a VIN
    or its last characters."""

    name: str
    phone_suffix: str | None
    whole_phone: str | None
    plate: str | None
    vin: str | None
    plate_end: str | None = None
    vin_tail: str | None = None


def parse_q(q: str) -> QueryTerms:
    """Read the one search box: a customer matches if any of the readings matches."""
    text = q.strip()
    if not text:
        raise InvalidFields.one("q", "The search text is empty.")
    plate = plate_key(text)
    return QueryTerms(
        name=name_key(text) or text,
        phone_suffix=phone_suffix(text),
        whole_phone=whole_phone(text),
        plate=plate if 2 <= len(plate) <= 12 else None,
        vin=normalise_vin(text) if looks_like_vin(text) else None,
        plate_end=plate_end(text),
        vin_tail=vin_tail(text),
    )


@dataclass(frozen=True)
class Filters:
    """A customer search, every part already checked and normalised (None = not filtered on)."""

    name: str | None = None
    phone_suffix: str | None = None
    plate: str | None = None  # the plate, or its end: a vehicle's plate ends with it
    vin: str | None = None
    vin_tail: str | None = None  # the last VIN_TAIL characters of a vehicle's VIN
    owner: str | None = None
    tag: str | None = None
    kind: str | None = None
    stage: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: QueryTerms | None = None
    store_id: str | None = None
    tier: str | None = None
    intent_grade: str | None = None
    key_customer: bool | None = None
    blacklisted: bool | None = None
    #: The stores the caller may see (None: all of them).
    stores: frozenset[str] | None = None


def _parsed(values: dict[str, tuple[str | None, Callable[[str], object]]]
            ) -> tuple[dict[str, object], dict[str, list[str]]]:
    """({field: its value as read}, {field: why it cannot be read}) for the fields given ({field: (raw value,
    its reader)})."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, object] = {}
    for field, (value, reader) in values.items():
        if value is None:
            continue
        try:
            parsed[field] = reader(value)
        except InvalidFields as exc:
            errors.update(exc.errors)
    return parsed, errors


def build_filters(name: str | None = None, phone: str | None = None, plate: str | None = None,
                  vin: str | None = None, q: str | None = None, created_from: date | None = None,
                  created_to: date | None = None, stores: frozenset[str] | None = None,
                  **exact: Any) -> Filters:
    """Filters from the raw query values; InvalidFields names each value that cannot be searched for."""
    parsed, errors = _parsed({"phone": (phone, phone_filter), "vin": (vin, vin_filter), "q": (q, parse_q)})
    if plate is not None and not plate_key(plate):
        errors["plate"] = ["The plate is empty."]
    if name is not None and not name_key(name):
        errors["name"] = ["The name is empty."]
    if created_from and created_to and created_from > created_to:
        errors["created_to"] = ["created_to is before created_from."]
    if errors:
        raise InvalidFields(errors)
    vin_term = parsed.get("vin")
    tail = vin_term if isinstance(vin_term, str) and len(vin_term) == VIN_TAIL else None
    return Filters(name=name_key(name) if name else None, phone_suffix=parsed.get("phone"),  # type: ignore[arg-type]
                   plate=plate_key(plate) if plate else None,
                   vin=None if tail else vin_term, vin_tail=tail,  # type: ignore[arg-type]
                   created_from=created_from, created_to=created_to, q=parsed.get("q"),  # type: ignore[arg-type]
                   stores=stores, **exact)
